import { expect } from 'chai';
import {
  ConfigError,
  type Connection,
  Document,
  field,
  model,
  serializer,
  registerClass,
  ValidationError,
} from '../../../src/index.js';
import type { RedisServer } from '../../../tools/redis-server.js';
import { commandCalls, connectionTo, raw, rejects, uniq } from '../../support/helpers.js';
import { replicated, standalone } from '../../support/topology.js';
import { importStandard } from './compile-standard.js';
import * as legacy from './fixtures/schemas.js';

type Schemas = typeof legacy;

const modes: Array<[string, () => Promise<Schemas>]> = [
  ['experimentalDecorators (the test build)', () => Promise.resolve(legacy)],
  ['standard decorators (ES2022, no metadata)', () => importStandard<Schemas>('schemas')],
];

const user = {
  name: 'Ann',
  age: 30,
  admin: false,
  created: new Date('2024-06-01T00:00:00.000Z'),
  tags: ['x'],
  address: { city: 'Oslo' },
};

describe('Document, decorator modes', () => {
  let server: RedisServer;
  let Main: typeof Connection;
  before(async () => {
    server = await standalone();
    Main = connectionTo(server);
  });

  for (const [name, load] of modes) {
    describe(name, () => {
      let schemas: Schemas;
      before(async () => {
        schemas = await load();
      });

      it('round-trips a schema whose fields name their types, in the documented forms', async () => {
        const { User, Address } = schemas.defineSchemas();
        const doc = new (schemas.documentOf(User, Main))(uniq());
        await doc.save(user);
        const loaded = await doc.load();
        expect(loaded).to.be.instanceOf(User);
        expect(loaded?.address).to.be.instanceOf(Address);
        expect(loaded?.label()).to.equal('Ann (30)');
        expect(await raw(server, 'HGET', doc.key, 'created')).to.equal('2024-06-01T00:00:00.000Z');
        expect(await raw(server, 'HGET', doc.key, 'address')).to.equal('{"city":"Oslo"}');
        expect(await raw(server, 'HGET', doc.key, 'admin')).to.equal('0');
      });
    });
  }

  it('legacy decorators: @field() alone takes the type from TypeScript metadata', async () => {
    const Inferred = legacy.defineInferred();
    const doc = new (legacy.documentOf(Inferred, Main, 'Inferred'))(uniq());
    const value = { name: 'n', on: true, created: new Date(5), tags: ['t', 'u'] };
    await doc.save(value);
    expect(await raw(server, 'HGETALL', doc.key)).to.deep.equal({
      name: 'n',
      on: '1',
      created: '1970-01-01T00:00:00.005Z',
      tags: '["t","u"]',
    });
    expect({ ...(await doc.load()) }).to.deep.equal(value);
    const error = await rejects(
      () => doc.save({ ...value, age: '3', on: 'yes', tags: 'a' } as never),
      ValidationError,
    );
    expect(error.fields.map((f) => f.field)).to.deep.equal(['age', 'on', 'tags']);
  });

  it('standard decorators: a field without a named type is a TypeError naming it', async () => {
    const standard = await importStandard<Schemas>('schemas');
    const Inferred = standard.defineInferred();
    const doc = new (standard.documentOf(Inferred, Main, 'Inferred'))(uniq());
    expect(() => doc.load()).to.throw(TypeError, /^Inferred\.name: the field's type is unknown/);
    expect(() => doc.save({} as never)).to.throw(TypeError, /Inferred\.name/);
  });

  it('refuses bad @field() arguments when the class is defined', () => {
    expect(() => field('x' as never)).to.throw(TypeError, /takes a type/);
    expect(() => field({ typo: 1 } as never)).to.throw(TypeError, /no option "typo"/);
    expect(() => field({ optional: 'yes' } as never)).to.throw(TypeError, /optional.*boolean/);
    expect(() => field({ type: 'String' } as never)).to.throw(TypeError, /type/);
    expect(() => field([String, Number] as never)).to.throw(TypeError, /takes a type/);
  });

  it('refuses a schema it cannot store, naming the class and field', () => {
    class WithMap {
      @field(String) name!: string;
      @field(globalThis.Map) index!: globalThis.Map<string, number>;
    }
    class NoFields {
      name = '';
    }
    @model({ connection: Main, schema: WithMap })
    class A extends Document<WithMap> {}
    @model({ connection: Main, schema: NoFields })
    class B extends Document<NoFields> {}
    @model({ connection: Main })
    class C extends Document {}
    expect(() => new A('a').load()).to.throw(TypeError, /^WithMap\.index: Map is not a type/);
    expect(() => new B('b').load()).to.throw(TypeError, /NoFields has no @field\(\) properties/);
    expect(() => new C('c').load()).to.throw(ConfigError, /no SCHEMA/);
  });

  it('the Typed serializer still reads @field() with a type or options', () => {
    class Point {
      @field(Number) x = 0;
      @field({ type: Number, optional: true }) y?: number;
    }
    registerClass(Point, uniq('doc.Point'));
    const point = Object.assign(new Point(), { x: 1, y: 2 });
    const back = serializer.Typed.decode(serializer.Typed.encode(point));
    expect(back).to.be.instanceOf(Point);
    expect({ ...(back as Point) }).to.deep.equal({ x: 1, y: 2 });
  });

  describe('with a replica', () => {
    let master: RedisServer;
    let replica: RedisServer;
    before(async () => {
      ({ master, replica } = await replicated());
    });

    it('load() and get() read from the replica, save() writes on the master', async () => {
      const Replicated = connectionTo(master, { slave: replica });
      const { User } = legacy.defineSchemas();
      const doc = new (legacy.documentOf(User, Replicated))(uniq());
      await doc.save(user);
      await raw(master, 'WAIT', '1', '5000');
      const [reads, masterReads] = [
        await commandCalls(replica, 'hgetall', 'hget'),
        await commandCalls(master, 'hgetall', 'hget'),
      ];
      expect((await doc.load())?.name).to.equal('Ann');
      expect(await doc.get('age')).to.equal(30);
      expect(await commandCalls(replica, 'hgetall', 'hget')).to.equal(reads + 2);
      expect(await commandCalls(master, 'hgetall', 'hget')).to.equal(masterReads);
      expect((await doc.fromMaster().load())?.name).to.equal('Ann');
    });
  });
});
