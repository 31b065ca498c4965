import { expect } from 'chai';
import { field, model, serializable, serializer } from '../../src/index.js';
import { importStandard, typeCheckStandard } from './compile.js';
import * as legacyAccessor from './fixtures/accessor.js';
import * as legacyClasses from './fixtures/classes.js';
import * as legacyMisuse from './fixtures/misuse.js';

type ClassesModule = typeof legacyClasses;
type MisuseModule = typeof legacyMisuse;
type Classes = ReturnType<ClassesModule['defineClasses']>;
type Misuse = keyof MisuseModule['misuse'];

interface Mode {
  name: string;
  prefix: string;
  /** The word the errors name the mode with. */
  word: RegExp;
  load(): Promise<{ classes: ClassesModule; misuse: MisuseModule }>;
}

const modes: Mode[] = [
  {
    name: 'experimentalDecorators (the test build)',
    prefix: 'deco.legacy',
    word: /experimentalDecorators/,
    load: () => Promise.resolve({ classes: legacyClasses, misuse: legacyMisuse }),
  },
  ...(['define', 'assign'] as const).map((variant) => ({
    name: `standard decorators (ES2022, ${variant === 'define' ? 'useDefineForClassFields' : 'fields assigned'})`,
    prefix: `deco.standard-${variant}`,
    word: /standard decorators/,
    load: async () => ({
      classes: await importStandard<ClassesModule>('classes', variant),
      misuse: await importStandard<MisuseModule>('misuse', variant),
    }),
  })),
];

/** The message of each misuse, per mode. */
const misuseMessages: Record<'legacy' | 'standard', Record<Misuse, RegExp>> = {
  legacy: {
    fieldOnMethod:
      /@field\(\) marks a property, not a method or accessor \("m", experimentalDecorators\)/,
    fieldOnStatic: /@field\(\) cannot mark the static property "s" of Bad/,
    fieldOnSymbol: /needs a string property name, got Symbol\(secret\) \(experimentalDecorators\)/,
    fieldWithoutParentheses: /write @field\(\), with parentheses/,
    serializableWithoutParentheses: /write @serializable\(\) or @serializable\('Tag'\)/,
    serializableOnField:
      /@serializable\(\) decorates a class, not the member "w" \(experimentalDecorators\)/,
    modelOnField: /@model\(\) decorates a class, not the member "v" \(experimentalDecorators\)/,
  },
  standard: {
    fieldOnMethod: /@field\(\) marks a class field, not a method \("m", standard decorators\)/,
    fieldOnStatic: /@field\(\) cannot mark the static field "s".*\(standard decorators\)/,
    fieldOnSymbol: /needs a string property name, got Symbol\(secret\) \(standard decorators\)/,
    fieldWithoutParentheses: /write @field\(\), with parentheses/,
    serializableWithoutParentheses: /write @serializable\(\) or @serializable\('Tag'\)/,
    serializableOnField:
      /@serializable\(\) decorates a class, not a field \("w", standard decorators\)/,
    modelOnField: /@model\(\) decorates a class, not a field \("v", standard decorators\)/,
  },
};

describe('decorators', () => {
  for (const mode of modes) {
    describe(mode.name, () => {
      let classes: Classes;
      let misuse: MisuseModule['misuse'];

      before(async () => {
        const loaded = await mode.load();
        classes = loaded.classes.defineClasses(mode.prefix);
        misuse = loaded.misuse.misuse;
      });

      it('round-trips a @serializable class: Date, nested class, inherited @field', () => {
        const { Order, Address } = classes;
        const order = new Order();
        order.id = 'o1';
        order.placed = new Date('2024-02-29T12:00:00.000Z');
        order.address.city = 'Lyon';
        order.address.zip = '69001';
        const old = new Address();
        old.city = 'Paris';
        order.lines = [old];
        order.cached = 'changed';
        const text = String(serializer.Typed.encode(order));
        const address = (v: object) => ({ $t: `${mode.prefix}.Address`, v });
        expect(JSON.parse(text)).to.deep.equal({
          $t: `${mode.prefix}.Order`,
          v: {
            id: 'o1',
            placed: { $t: 'Date', v: '2024-02-29T12:00:00.000Z' },
            address: address({ city: 'Lyon', zip: '69001' }),
            lines: [address({ city: 'Paris' })],
          },
        });
        const back = serializer.Typed.decode(text) as InstanceType<typeof Order>;
        expect(back).to.be.instanceOf(Order);
        expect(back.id).to.equal('o1');
        expect(back.placed).to.be.instanceOf(Date);
        expect(back.placed.toISOString()).to.equal('2024-02-29T12:00:00.000Z');
        expect(back.address).to.be.instanceOf(Address);
        expect(back.address.label()).to.equal('Lyon 69001');
        expect(back.lines[0]).to.be.instanceOf(Address);
        expect(back.lines[0].label()).to.equal('Paris');
        expect(back.cached).to.equal('default');
      });

      it('revives a registerClass() class with only its @field properties', () => {
        const { Point } = classes;
        const stored = `{"$t":"${mode.prefix}.Point","v":{"x":1,"y":2,"z":3}}`;
        const back = serializer.Typed.decode(stored) as InstanceType<typeof Point>;
        expect(back).to.be.instanceOf(Point);
        expect({ ...back }).to.deep.equal({ x: 1, y: 2 });
        const point = new Point();
        point.x = 5;
        expect(serializer.Typed.encode(point)).to.equal(
          `{"$t":"${mode.prefix}.Point","v":{"x":5,"y":0}}`,
        );
      });

      it('@model wins over a static field of the same class, not of a subclass', () => {
        const { Hits, SubHits, DecoratedSubHits } = classes;
        expect(Hits.PREFIX).to.equal('a');
        expect(new Hits().key).to.equal('a:hits');
        expect(SubHits.PREFIX).to.equal('c');
        expect(new SubHits().key).to.equal('c:hits');
        expect(DecoratedSubHits.PREFIX).to.equal('d');
        expect(new DecoratedSubHits('k').key).to.equal('d:k');
      });

      it('refuses each misuse with a TypeError naming the mode', () => {
        const expected =
          misuseMessages[mode.word.source.startsWith('standard') ? 'standard' : 'legacy'];
        for (const [name, message] of Object.entries(expected) as Array<[Misuse, RegExp]>) {
          expect(misuse[name], name).to.throw(TypeError, message);
        }
      });
    });
  }

  it('stores an accessor @field under standard decorators', async () => {
    const { defineAccessorClass } = await importStandard<typeof legacyAccessor>(
      'accessor',
      'define',
    );
    const Note = defineAccessorClass('deco.standard');
    const note = new Note();
    note.text = 'hello';
    note.pinned = true;
    const text = String(serializer.Typed.encode(note));
    expect(JSON.parse(text)).to.deep.equal({
      $t: 'deco.standard.Note',
      v: { text: 'hello', pinned: true },
    });
    const back = serializer.Typed.decode(text) as InstanceType<typeof Note>;
    expect(back).to.be.instanceOf(Note);
    expect(back.text).to.equal('hello');
    expect(back.pinned).to.equal(true);
  });

  it('refuses an accessor @field under experimentalDecorators', () => {
    expect(() => legacyAccessor.defineAccessorClass('deco.legacy')).to.throw(
      TypeError,
      /not a method or accessor \("text", experimentalDecorators\)/,
    );
  });

  describe('type check under standard decorators', () => {
    let diagnostics: string[];

    before(function () {
      this.timeout(120_000); // a program over the fixtures and src: ~10 s
      diagnostics = typeCheckStandard(['classes', 'misuse']);
    });

    it('accepts the fixture classes (no TS1240)', () => {
      expect(diagnostics.filter((d) => d.includes('classes.ts'))).to.deep.equal([]);
    });

    it('refuses @field() on a method or a static field at compile time', () => {
      expect(diagnostics).to.have.length(2);
      expect(diagnostics[0]).to.match(/misuse\.ts:12: TS1241 .*method decorator/);
      expect(diagnostics[1]).to.match(/misuse\.ts:18: TS1240 .*property decorator/);
    });
  });

  describe('calls no compiler makes', () => {
    const context = (extra: object) => ({
      kind: 'field',
      name: 'x',
      static: false,
      private: false,
      metadata: {},
      addInitializer() {},
      ...extra,
    });
    const call =
      (decorator: unknown, ...args: unknown[]) =>
      () =>
        (decorator as (...args: unknown[]) => unknown)(...args);

    it('refuses @field() on a private field', () => {
      expect(call(field(), undefined, context({ private: true, name: '#x' }))).to.throw(
        TypeError,
        /cannot mark the private field "#x".*standard decorators/,
      );
    });

    it('explains a standard call without context.metadata', () => {
      expect(call(field(), undefined, context({ metadata: undefined }))).to.throw(
        TypeError,
        /gave no context\.metadata: Symbol\.metadata must exist.*experimentalDecorators: true/,
      );
    });

    it('names both modes when the arguments fit neither', () => {
      expect(call(field(), 42, undefined)).to.throw(
        TypeError,
        /\(prototype, name\) under experimentalDecorators, \(value, context\) under standard decorators/,
      );
      expect(call(serializable(), 'Not a class')).to.throw(
        TypeError,
        /decorates a class, got string/,
      );
    });

    it('refuses @model without options', () => {
      expect(call(model, class Bad {})).to.throw(TypeError, /write @model\(\{ \.\.\. \}\)/);
    });
  });
});
