import { expect } from 'chai';
import { plainToInstance, Transform } from 'class-transformer';
import fc from 'fast-check';
import { field, serializable, serializer } from '../../src/index.js';
import { compilePlan, REVIVE_OPTIONS, revive } from '../../src/serializers/typed-plan.js';

const Typed = serializer.Typed;

@serializable('plan.Addr')
class Addr {
  @field() city = '';
  @field() zip?: string; // no initializer (useDefineForClassFields: false): not an own property
}

@serializable('plan.Person')
class Person {
  @field() name = '';
  @field() born = new Date(0);
  @field() home = new Addr();
  @field() tags?: Set<unknown>;
  @field() scores?: Map<unknown, unknown>;
  @field() debt?: bigint;
  notStored = 1;
}

@serializable('plan.Base')
class Base {
  @field() a = 'base';
  @field() b = 0;
}

@serializable('plan.Child')
class Child extends Base {
  @field() c = 'child';
  @field() override a = 'child-a';
}

let built = 0;
@serializable('plan.Counted')
class Counted {
  @field() n = 0;
  constructor() {
    built++;
  }
}

/** A field with a class-transformer transform of its own: not the plain `@field()` mapping. */
@serializable('plan.Shouting')
class Shouting {
  @field()
  @Transform(({ value }) => (typeof value === 'string' ? value.toUpperCase() : value))
  word = '';
}

/** Own property names and values, in order, of what a decode returned. */
function shape(value: object): Array<[string, unknown]> {
  return Object.getOwnPropertyNames(value).map((k) => [k, (value as Record<string, unknown>)[k]]);
}

function sample(): Person {
  const home = Object.assign(new Addr(), { city: 'Lyon', zip: undefined });
  return Object.assign(new Person(), {
    name: 'Ann',
    born: new Date(86_400_000),
    home,
    tags: new Set<unknown>(['a', home]),
    scores: new Map<unknown, unknown>([[1, [NaN, -0, undefined]]]),
    debt: -5n,
  });
}

describe('Typed revival plans', () => {
  it('encodes byte for byte as before the plans (stored format unchanged)', () => {
    // Written by the serializer before plans existed (plainToInstance on every call), but for
    // -0, stored as "0" before (it came back as 0).
    const person =
      '{"$t":"plan.Person","v":{"name":"Ann","born":{"$t":"Date","v":"1970-01-02T00:00:00.000Z"},"home":{"$t":"plan.Addr","v":{"city":"Lyon"}},"tags":{"$t":"Set","v":["a",{"$t":"plan.Addr","v":{"city":"Lyon"}}]},"scores":{"$t":"Map","v":[[1,[{"$t":"Number","v":"NaN"},{"$t":"Number","v":"-0"},{"$t":"undefined","v":null}]]]},"debt":{"$t":"BigInt","v":"-5"}}}';
    expect(Typed.encode(sample())).to.equal(person);
    const shared = { k: [1, 2] };
    const bare = Object.assign(Object.create(null) as object, { a: 1, u: undefined });
    expect(Typed.encode({ $t: 'x', v: [sample()], shared, again: shared, n: bare })).to.equal(
      `{"$t":"Object","v":{"$t":"x","v":[${person}],"shared":{"k":[1,2]},"again":{"k":[1,2]},"n":{"a":1}}}`,
    );
    // A toJSON the stored copy would not have is not called (the object is copied).
    const hidden = { a: 1 };
    Object.defineProperty(hidden, 'toJSON', { value: () => 'called', enumerable: false });
    const list = [1];
    Object.defineProperty(list, 'toJSON', { value: () => 'called', enumerable: false });
    expect(Typed.encode({ hidden, list })).to.equal('{"hidden":{"a":1},"list":[1]}');
    // eslint-disable-next-line no-sparse-arrays
    expect(Typed.encode([1, , 3])).to.equal('[1,null,3]');
    expect(Typed.encode({ a: { b: { c: [new Date(0)] } }, d: 'plain' })).to.equal(
      '{"a":{"b":{"c":[{"$t":"Date","v":"1970-01-01T00:00:00.000Z"}]}},"d":"plain"}',
    );
  });

  it('keeps -0 (stored as "-0"; data stored as "0" before still decodes, to 0)', () => {
    const back = Typed.decode(Typed.encode([-0, 0])) as number[];
    expect(Object.is(back[0], -0)).to.equal(true);
    expect(Object.is(back[1], 0)).to.equal(true);
    expect(Typed.decode('{"$t":"Number","v":"0"}')).to.equal(0);
  });

  it('leaves the encoded value untouched and decodes to fresh objects', () => {
    const value = { list: [1, { d: new Date(0) }], person: sample() };
    const before = Typed.encode(value);
    expect(value.list[1]).to.deep.equal({ d: new Date(0) });
    expect(Typed.encode(value)).to.equal(before);
    const first = Typed.decode(before) as typeof value;
    const second = Typed.decode(before) as typeof value;
    expect(first.list).not.to.equal(second.list);
    expect(first.person.home).to.be.instanceOf(Addr).and.not.equal(second.person.home);
  });

  it('revives exactly as class-transformer does, properties and their order included', () => {
    const cases: Array<[new () => object, Record<string, unknown>]> = [
      [Addr, { city: 'X' }],
      [Addr, { city: 'X', zip: '1', extra: true }],
      [Child, { c: 'C', b: 2 }],
      [Child, {}],
      [Person, { name: 'N', born: new Date(5), home: new Addr(), debt: 1n }],
    ];
    for (const [cls, plain] of cases) {
      const plan = compilePlan(cls);
      expect(plan.assigned, cls.name).to.be.an('array');
      const ours = revive(cls, plan, { ...plain });
      const theirs = plainToInstance(cls, { ...plain }, REVIVE_OPTIONS);
      expect(ours).to.be.instanceOf(cls);
      expect(shape(ours), cls.name).to.deep.equal(shape(theirs));
    }
    // Inherited fields first (class-transformer's order), the own `zip` created even if unset.
    expect(compilePlan(Child).assigned).to.deep.equal(['a', 'b', 'c']);
    expect(shape(Typed.decode('{"$t":"plan.Addr","v":{"city":"Q"}}') as Addr)).to.deep.equal([
      ['city', 'Q'],
      ['zip', undefined],
    ]);
  });

  it('matches class-transformer on random stored objects', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.date(),
      fc.array(fc.integer(), { maxLength: 2 }),
    );
    const keys = fc.constantFrom('a', 'b', 'c', 'd', 'toString', 'hasOwnProperty');
    fc.assert(
      fc.property(fc.dictionary(keys, value, { maxKeys: 5 }), (plain) => {
        const ours = revive(Child, compilePlan(Child), { ...plain });
        const theirs = plainToInstance(Child, { ...plain }, REVIVE_OPTIONS);
        expect(shape(ours)).to.deep.equal(shape(theirs));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps class-transformer for a class whose mapping is not the plain @field() one', () => {
    expect(compilePlan(Shouting).assigned).to.equal(undefined);
    const back = Typed.decode(Typed.encode(Object.assign(new Shouting(), { word: 'hi' })));
    expect(back).to.be.instanceOf(Shouting);
    expect((back as Shouting).word).to.equal('HI');
  });

  it('compiles a plan once per class, not per decode', () => {
    const raw = Typed.encode(Object.assign(new Counted(), { n: 3 }));
    Typed.decode(raw);
    const after = built;
    for (let i = 0; i < 5; i++) expect((Typed.decode(raw) as Counted).n).to.equal(3);
    expect(built - after).to.equal(5); // one construction per decode, no probing
  });

  it('still refuses what it refused: unknown tags in undeclared keys, forbidden keys', () => {
    expect(() =>
      Typed.decode('{"$t":"plan.Addr","v":{"city":"X","extra":{"$t":"Evil","v":{}}}}'),
    ).to.throw(/not a registered class/);
    expect(() =>
      Typed.decode('{"$t":"plan.Person","v":{"born":{"$t":"Date","v":"nope"}}}'),
    ).to.throw(/Date is invalid/);
    const back = Typed.decode(
      '{"$t":"plan.Addr","v":{"__proto__":{"city":"polluted"},"prototype":"p","city":"Y"}}',
    ) as Addr & Record<string, unknown>;
    expect(shape(back)).to.deep.equal([
      ['city', 'Y'],
      ['zip', undefined],
    ]);
    const nested = Typed.decode('{"a":[{"constructor":1,"b":2}]}') as { a: object[] };
    expect(shape(nested.a[0])).to.deep.equal([['b', 2]]);
  });
});
