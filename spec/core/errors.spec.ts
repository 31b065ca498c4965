import { expect } from 'chai';
import {
  CommandError,
  ConnectionError,
  DecodeError,
  isPassing,
  WrongTypeError,
} from '../../src/core/errors.js';

describe('core errors: isPassing (what consuming loops wait out)', () => {
  it('lost connections and refusals of a server not ready yet are waited out', () => {
    expect(isPassing(new ConnectionError('127.0.0.1:6379', 'Socket closed'))).to.equal(true);
    for (const code of ['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'BUSY']) {
      expect(isPassing(new CommandError(code, `${code} not yet`)), code).to.equal(true);
    }
  });

  it('other failures end the loop: they would fail again the same way', () => {
    expect(isPassing(new CommandError('NOPERM', 'NOPERM no rights'))).to.equal(false);
    expect(isPassing(new CommandError('ERR', 'ERR unknown'))).to.equal(false);
    expect(isPassing(new WrongTypeError('WRONGTYPE'))).to.equal(false);
    expect(isPassing(new DecodeError('not JSON'))).to.equal(false);
    expect(isPassing(new Error('plain'))).to.equal(false);
    expect(isPassing('LOADING')).to.equal(false);
  });
});
