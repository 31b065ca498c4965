import { expect } from 'chai';
import {
  ArgumentError,
  CommandError,
  type Connection,
  DecodeError,
  ValidationError,
  WrongTypeError,
} from '../../../src/index.js';
import { rejects, uniq } from '../../support/helpers.js';
import { onEachTopology } from '../../support/targets.js';
import { defineSchemas, documentOf } from './fixtures/schemas.js';

const created = new Date('2024-02-29T12:34:56.789Z');

/** A user with every field set. */
function fullUser() {
  return {
    name: 'Ann ünïcødé',
    age: 30,
    admin: true,
    created,
    big: 2n ** 70n,
    tags: ['a', 'b'],
    address: { city: 'Paris', zip: '75001' },
    visits: [new Date(0), created],
    extra: { nested: [1, 'two', null, { deep: true }] },
    score: -1.25,
  };
}

/** The HGETALL of a key as a plain record, read with a raw client. */
async function stored(raw: (...args: string[]) => Promise<unknown>, key: string) {
  const reply = (await raw('HGETALL', key)) as Record<string, string> | string[];
  if (!Array.isArray(reply)) return { ...reply };
  const out: Record<string, string> = {};
  for (let i = 0; i < reply.length; i += 2) out[reply[i]] = reply[i + 1];
  return out;
}

onEachTopology('Document', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  const users = (name = 'Users') => {
    const schemas = defineSchemas();
    return { ...schemas, Users: documentOf(schemas.User, Main, name) };
  };
  const raw = (...args: string[]) => target().raw(...args);

  it('round-trips every type into an instance of the schema class', async () => {
    const { User, Users, Address } = users();
    const doc = new Users(uniq());
    await doc.save(fullUser());
    const loaded = await doc.load();
    expect(loaded).to.be.instanceOf(User);
    expect(loaded?.address).to.be.instanceOf(Address);
    expect(loaded?.label()).to.equal('Ann ünïcødé (30)');
    expect({ ...loaded, address: { ...loaded?.address } }).to.deep.equal(fullUser());
  });

  it('stores each field as the documented text (read with a raw client)', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await doc.save({ ...fullUser(), age: 2 ** 53 - 1, score: -0, admin: false });
    expect(await raw('TYPE', doc.key)).to.equal('hash');
    expect(await stored(raw, doc.key)).to.deep.equal({
      name: 'Ann ünïcødé',
      age: '9007199254740991',
      admin: '0',
      created: '2024-02-29T12:34:56.789Z',
      big: '1180591620717411303424',
      tags: '["a","b"]',
      address: '{"city":"Paris","zip":"75001"}',
      visits: '["1970-01-01T00:00:00.000Z","2024-02-29T12:34:56.789Z"]',
      extra: '{"nested":[1,"two",null,{"deep":true}]}',
      score: '0',
    });
    const loaded = await doc.load();
    expect(loaded?.age).to.equal(2 ** 53 - 1);
    expect(loaded?.admin).to.equal(false);
    await doc.update({ admin: true });
    expect(await raw('HGET', doc.key, 'admin')).to.equal('1');
  });

  it('reads what another program wrote in the documented forms', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await raw(
      'HSET',
      doc.key,
      'name',
      'Bob',
      'admin',
      '1',
      'created',
      '2024-01-01T10:00:00.123456+00:00',
      'tags',
      '[]',
      'age',
      '1e3',
      'other',
      'ignored',
    );
    const loaded = await doc.load();
    expect(loaded?.name).to.equal('Bob');
    expect(loaded?.admin).to.equal(true);
    expect(loaded?.created.toISOString()).to.equal('2024-01-01T10:00:00.123Z');
    expect(loaded?.age).to.equal(1000);
    expect(loaded).to.not.have.property('other');
  });

  it('save() removes the optional fields the document lacks, in one step', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await doc.save(fullUser());
    await doc.save({ name: 'Ann', admin: false, created, tags: [] });
    expect(Object.keys(await stored(raw, doc.key)).sort()).to.deep.equal([
      'admin',
      'created',
      'name',
      'tags',
    ]);
    const loaded = await doc.load();
    expect(loaded?.age).to.equal(undefined);
    expect(loaded?.address).to.equal(undefined);
  });

  it('save(doc, { ttl }) sets the time to live atomically; without one the ttl is kept', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await doc.save(fullUser(), { ttl: 60_000 });
    const ttl = Number(await raw('PTTL', doc.key));
    expect(ttl).to.be.within(50_000, 60_000);
    await doc.save(fullUser());
    expect(Number(await raw('PTTL', doc.key))).to.be.within(50_000, 60_000);
    expect(await doc.expire(100)).to.equal(true);
    expect(await doc.ttl()).to.be.within(90, 100);
    await rejects(() => doc.save(fullUser(), { ttl: 0 }), ArgumentError, /ttl/);
  });

  it('validation lists every bad field, names model and key, and writes nothing', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    const bad = {
      age: 'ten',
      admin: 1,
      created: new Date('nope'),
      tags: ['a', 2],
      address: { zip: 75001 },
      visits: [created, '2024'],
      extra: { when: new Date(0) },
      score: Infinity,
      nickname: 'x',
    };
    const error = await rejects(
      () => doc.save(bad as never),
      ValidationError,
      /^Users "doc:.*": invalid document \(11 bad fields\)/,
    );
    expect(error.model).to.equal('Users');
    expect(error.key).to.equal(doc.key);
    expect(error.fields).to.deep.equal([
      { field: 'name', problem: 'missing (a required field)' },
      { field: 'age', problem: 'expected a number, got a string' },
      { field: 'admin', problem: 'expected a boolean, got 1' },
      { field: 'created', problem: 'an invalid Date' },
      { field: 'tags[1]', problem: 'expected a string, got 2' },
      { field: 'address.city', problem: 'missing (a required field)' },
      { field: 'address.zip', problem: 'expected a string, got 75001' },
      { field: 'visits[1]', problem: 'expected a Date, got a string' },
      {
        field: 'extra.when',
        problem: 'expected plain JSON, got a Date (name its type in @field() to store it)',
      },
      { field: 'score', problem: 'Infinity: only finite numbers are stored' },
      { field: 'nickname', problem: 'unknown field' },
    ]);
    expect(await raw('EXISTS', doc.key)).to.equal(0);
  });

  it('validation: each kind alone (missing, wrong type, unknown, NaN, invalid Date, null)', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    const base = fullUser();
    const cases: Array<[object, string, RegExp]> = [
      [{ ...base, name: undefined }, 'name', /missing/],
      [{ ...base, tags: 'a' }, 'tags', /expected an array of string, got a string/],
      [{ ...base, colour: 'red' }, 'colour', /unknown field/],
      [{ ...base, age: NaN }, 'age', /NaN: only finite numbers/],
      [{ ...base, created: new Date(NaN) }, 'created', /invalid Date/],
      [{ ...base, age: null }, 'age', /expected a number, got null/],
      [{ ...base, big: 1 }, 'big', /expected a bigint, got 1/],
    ];
    for (const [value, field, problem] of cases) {
      const error = await rejects(() => doc.save(value as never), ValidationError);
      expect(error.fields).to.have.length(1);
      expect(error.fields[0].field).to.equal(field);
      expect(error.fields[0].problem).to.match(problem);
    }
    await rejects(() => doc.update({ name: undefined }), ValidationError, /cannot be removed/);
    await rejects(
      () => doc.update({ age: '3' } as never),
      ValidationError,
      /age: expected a number/,
    );
    await rejects(() => doc.update({ nope: 1 } as never), ValidationError, /nope: unknown field/);
    expect(await raw('EXISTS', doc.key)).to.equal(0);
  });

  it('an instance of the schema class may carry properties that are not stored', async () => {
    const { User, Users } = users();
    const doc = new Users(uniq());
    const user = Object.assign(new User(), fullUser(), { cached: 'not stored' });
    await doc.save(user);
    expect(await raw('HEXISTS', doc.key, 'cached')).to.equal(0);
  });

  it('update() sets the given fields only; an optional one given as undefined is removed', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await doc.save(fullUser());
    await doc.update({ age: 31, tags: ['c'] });
    expect(await raw('HGET', doc.key, 'age')).to.equal('31');
    expect(await raw('HGET', doc.key, 'tags')).to.equal('["c"]');
    expect(await raw('HGET', doc.key, 'name')).to.equal('Ann ünïcødé');
    await doc.update({ address: undefined, score: 2 });
    expect(await raw('HEXISTS', doc.key, 'address')).to.equal(0);
    expect(await raw('HGET', doc.key, 'score')).to.equal('2');
    await doc.update({});
  });

  it('get() reads one field, typed; null when absent; an unknown name is refused', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    expect(await doc.get('name')).to.equal(null);
    await doc.save(fullUser());
    expect(await doc.get('name')).to.equal('Ann ünïcødé');
    expect(await doc.get('created')).to.deep.equal(created);
    expect(await doc.get('big')).to.equal(2n ** 70n);
    expect(await doc.get('tags')).to.deep.equal(['a', 'b']);
    expect(await doc.get('score')).to.equal(-1.25);
    expect(() => doc.get('nope' as never)).to.throw(ArgumentError, /"nope" is not a field of User/);
  });

  it('incr() adds to numeric fields (HINCRBY, HINCRBYFLOAT); other fields are refused', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await doc.save(fullUser());
    expect(await doc.incr('age')).to.equal(31);
    expect(await doc.incr('age', -11)).to.equal(20);
    expect(await doc.incr('score', 0.5)).to.equal(-0.75);
    // HINCRBY needs an integer stored: -0.75 is not one (Redis refuses, nothing changes).
    await rejects(() => doc.incr('score', 1), CommandError, /not an integer/);
    expect((await doc.load())?.age).to.equal(20);
    // @ts-expect-error -- only numeric fields type-check
    expect(() => doc.incr('name')).to.throw(ArgumentError, /"name" holds a string/);
    expect(() => doc.incr('age', NaN)).to.throw(ArgumentError, /finite/);
  });

  it('load() is null for a missing key; a corrupt field is a DecodeError naming it', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    expect(await doc.load()).to.equal(null);
    await doc.save(fullUser());
    const cases: Array<[string, string, RegExp]> = [
      ['age', 'ten', /field "age": not a finite number: "ten"/],
      ['admin', 'yes', /field "admin": not a boolean \(1 or 0\)/],
      ['created', 'yesterday', /field "created": not an ISO 8601 date/],
      ['tags', '[1]', /field "tags": \[0\]: not a string/],
      ['visits', 'not json', /field "visits": not JSON/],
      ['address', '{"zip":"1"}', /field "address": city: missing/],
    ];
    for (const [field, text, message] of cases) {
      const good = String(await raw('HGET', doc.key, field));
      await raw('HSET', doc.key, field, text);
      const error = await rejects(() => doc.load(), DecodeError, message);
      expect(error.key).to.equal(doc.key);
      expect(String(error.raw)).to.equal(text);
      await raw('HSET', doc.key, field, good);
    }
    await raw('HDEL', doc.key, 'name');
    await rejects(() => doc.load(), DecodeError, /field "name": missing/);
    await raw('SET', doc.key, 'a string');
    await rejects(() => doc.load(), WrongTypeError);
  });

  it('a required field with a default keeps it when not stored', async () => {
    const { Settings } = defineSchemas();
    const Docs = documentOf(Settings, Main, 'SettingsDocs');
    const doc = new Docs(uniq());
    await raw('HSET', doc.key, 'size', '3');
    const loaded = await doc.load();
    expect(loaded).to.be.instanceOf(Settings);
    expect({ ...loaded }).to.deep.equal({ theme: 'dark', size: 3 });
  });

  it('runs in a pipeline and a transaction (save, update, load, get, incr)', async () => {
    const { Users, User } = users();
    const doc = new Users(uniq());
    const [, , loaded, name] = await Main.pipeline((p) => [
      doc.in(p).save(fullUser(), { ttl: 60_000 }),
      doc.in(p).update({ age: 40 }),
      doc.in(p).load(),
      doc.in(p).get('name'),
    ]);
    expect(loaded).to.be.instanceOf(User);
    expect(loaded?.age).to.equal(40);
    expect(name).to.equal('Ann ünïcødé');
    const [, age, again] = await Main.transaction((t) => [
      doc.in(t).save({ ...fullUser(), address: undefined }),
      doc.in(t).incr('age', 2),
      doc.in(t).load(),
    ]);
    expect(age).to.equal(32);
    expect(again?.address).to.equal(undefined);
    await rejects(() => Main.pipeline((p) => [doc.in(p).save({} as never)]), ValidationError);
  });

  it('runs its save script with an empty script cache', async () => {
    const { Users } = users();
    const doc = new Users(uniq());
    await target().rawAll('SCRIPT', 'FLUSH');
    await doc.save(fullUser(), { ttl: 60_000 });
    await target().rawAll('SCRIPT', 'FLUSH');
    await Main.transaction((t) => [doc.in(t).save({ ...fullUser(), age: undefined })]);
    expect(await raw('HEXISTS', doc.key, 'age')).to.equal(0);
  });
});
