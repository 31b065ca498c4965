import { expect } from 'chai';
import { field, serializable, serializer } from '../../src/index.js';

@serializable('spec.Address')
class Address {
  @field() city = '';
  @field() zip?: string;
  label(): string {
    return `${this.city} ${this.zip ?? ''}`.trim();
  }
}

@serializable('spec.User')
class User {
  @field() name = '';
  @field() born = new Date(0);
  @field() address = new Address();
  @field() previous: Address[] = [];
  @field() tags = new Set<string>();
  @field() scores = new Map<string, number>();
  @field() balance = 0n;
  notStored = 'default';
}

class Unregistered {
  @field() x = 1;
}

describe('serializers', () => {
  const falsy: unknown[] = [0, '', false, [], {}];

  it('JSON round-trips values, falsy ones included', () => {
    for (const value of [...falsy, 1.5, 'text', [1, { a: null }], { nested: { deep: [true] } }]) {
      expect(serializer.JSON.decode(serializer.JSON.encode(value))).to.deep.equal(value);
    }
    expect(serializer.JSON.encode(0)).to.equal('0');
    expect(serializer.JSON.encode('')).to.equal('""');
    expect(() => serializer.JSON.encode(undefined)).to.throw();
    expect(() => serializer.JSON.encode(10n)).to.throw();
  });

  it('String stores text and primitives, refuses objects', () => {
    expect(serializer.String.encode('')).to.equal('');
    expect(serializer.String.encode(0 as unknown as string)).to.equal('0');
    expect(serializer.String.encode(false as unknown as string)).to.equal('false');
    expect(serializer.String.decode(Buffer.from('hé'))).to.equal('hé');
    expect(() => serializer.String.encode({} as unknown as string)).to.throw(/String/);
  });

  it('Numeric takes safe integers only', () => {
    expect(serializer.Numeric.encode(0)).to.equal('0');
    expect(serializer.Numeric.encode(-42)).to.equal('-42');
    expect(serializer.Numeric.decode('0')).to.equal(0);
    expect(serializer.Numeric.decode('-17')).to.equal(-17);
    for (const bad of [NaN, Infinity, -Infinity, 1.5, 2 ** 53, '1' as unknown as number]) {
      expect(() => serializer.Numeric.encode(bad), String(bad)).to.throw(/safe integers/);
    }
    for (const bad of ['', 'abc', '1.5', '1e3', '9007199254740993', ' 1']) {
      expect(() => serializer.Numeric.decode(bad), bad).to.throw(/not a safe integer/);
    }
  });

  it('Raw passes strings and refuses other values', () => {
    expect(serializer.Raw.encode('')).to.equal('');
    expect(() => serializer.Raw.encode(1 as unknown as string)).to.throw(/only strings/);
  });

  describe('Typed', () => {
    it('round-trips nested registered classes, Date, Map, Set, BigInt', () => {
      const user = new User();
      user.name = 'Ann';
      user.born = new Date('1990-05-01T10:00:00.000Z');
      user.address.city = 'Lyon';
      user.address.zip = '69001';
      const old = new Address();
      old.city = 'Paris';
      user.previous = [old];
      user.tags = new Set(['a', 'b']);
      user.scores = new Map([['math', 12]]);
      user.balance = 12345678901234567890n;
      user.notStored = 'changed';
      const back = serializer.Typed.decode(serializer.Typed.encode(user)) as User;
      expect(back).to.be.instanceOf(User);
      expect(back.name).to.equal('Ann');
      expect(back.born).to.be.instanceOf(Date);
      expect(back.born.toISOString()).to.equal('1990-05-01T10:00:00.000Z');
      expect(back.address).to.be.instanceOf(Address);
      expect(back.address.label()).to.equal('Lyon 69001');
      expect(back.previous[0]).to.be.instanceOf(Address);
      expect(back.previous[0].label()).to.equal('Paris');
      expect(back.tags).to.be.instanceOf(Set);
      expect([...back.tags]).to.deep.equal(['a', 'b']);
      expect(back.scores).to.be.instanceOf(Map);
      expect(back.scores.get('math')).to.equal(12);
      expect(back.balance).to.equal(12345678901234567890n);
      expect(back.notStored).to.equal('default');
    });

    it('round-trips top-level special values and falsy values', () => {
      const values: unknown[] = [
        ...falsy,
        new Date(86_400_000),
        new Map<unknown, unknown>([
          [1, new Set([2n])],
          ['k', { d: new Date(0) }],
        ]),
        new Set(['x']),
        -5n,
        NaN,
        -Infinity,
        [1, undefined, 3],
        { $t: 'looks like a tag', v: 1 },
      ];
      for (const value of values) {
        const back = serializer.Typed.decode(serializer.Typed.encode(value));
        if (typeof value === 'number' && Number.isNaN(value))
          expect(Number.isNaN(back)).to.equal(true);
        else expect(back).to.deep.equal(value);
      }
    });

    it('stores plain JSON values exactly as the JSON serializer does', () => {
      for (const value of [0, '', false, [], {}, { a: [1, 'b'] }]) {
        expect(serializer.Typed.encode(value)).to.equal(serializer.JSON.encode(value));
      }
    });

    it('refuses to encode an unregistered class', () => {
      expect(() => serializer.Typed.encode(new Unregistered())).to.throw(/not registered/);
    });

    it('refuses to decode an unregistered type tag', () => {
      expect(() => serializer.Typed.decode('{"$t":"Evil","v":{}}')).to.throw(
        /not a registered class/,
      );
    });

    it('ignores __proto__ and constructor keys and fields that are not declared', () => {
      const payload =
        '{"$t":"spec.Address","v":{"city":"X","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"extra":"no"}}';
      const back = serializer.Typed.decode(payload) as Address & Record<string, unknown>;
      expect(back).to.be.instanceOf(Address);
      expect(back.city).to.equal('X');
      expect(back.extra).to.equal(undefined);
      expect(back.polluted).to.equal(undefined);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      const plain = serializer.Typed.decode('{"__proto__":{"polluted":true},"a":1}') as Record<
        string,
        unknown
      >;
      expect(plain).to.deep.equal({ a: 1 });
      expect(Object.getPrototypeOf(plain)).to.equal(Object.prototype);
    });

    it('refuses circular structures and invalid dates', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      expect(() => serializer.Typed.encode(loop)).to.throw(/circular/);
      expect(() => serializer.Typed.encode(new Date(NaN))).to.throw(/invalid Date/);
      expect(() => serializer.Typed.decode('{"$t":"BigInt","v":"12x"}')).to.throw(/BigInt/);
    });
  });
});
