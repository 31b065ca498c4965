import { runPython } from '../support/python.js';

/**
 * A re-creation, in Python 3 with redis-py, of the few Redis commands the Python redisext
 * (github.com/mylokin/redisext, 1.2.x: `redisext/{counter,hashmap,pool,queue,stack,serializer}.py`
 * and `models/abc.py`) sends, written for these specs (not the ancestor's code). Its quirks are
 * kept on purpose: falsy values skip the serializer both ways, `json.dumps` with its default
 * separators and ASCII escapes, `int()` of a priority. Its Lock's source is not public: it is
 * re-created from its tests and docs/compatibility.md (`EXISTS`, then `SET key ''`, `EXPIRE`).
 * Its `Pickle` serializer is `pickle.dumps` (Python 2's `cPickle`; here Python 3's default
 * protocol) and `pickle.loads`. It has no Document: the `Document` class here is the layout of
 * its HashMap with one hash field per attribute, in the text forms of docs/models/document.md.
 *
 * Protocol: stdin is `{"url", "steps": [{model, serializer, key, call, args}]}`, stdout the JSON
 * list of results, one `{"ok": value}` or `{"error": "Type: message"}` per step, in order.
 * Arguments are in the tagged JSON form of python-values.ts (`{"$int": "digits"}`,
 * `{"$bytes": base64}`, `{"$tuple": [...]}`...), rebuilt into Python values. What Pickle and
 * Document read is printed in that tagged form too; other bytes as text when they are UTF-8,
 * else as `{"$bytes": base64}`.
 */
export const ANCESTOR_PY = String.raw`
import base64, datetime, json, pickle, sys
import redis

def text(raw):
    return raw.decode('utf-8') if isinstance(raw, bytes) else raw

# serializer.py: classes with encode/decode
class JSON:
    encode = staticmethod(lambda value: json.dumps(value))  # default separators, ASCII escapes
    decode = staticmethod(lambda raw: json.loads(raw))

class String:
    encode = staticmethod(lambda value: str(value))
    decode = staticmethod(text)  # Python 2's str was bytes: read as text here

class Numeric:
    encode = staticmethod(lambda value: int(value))
    decode = staticmethod(lambda raw: int(raw))

class Read:  # a value the Pickle serializer read: stdout gets its tagged description
    def __init__(self, value): self.value = value

class Pickle:  # pickle.dumps with Python's default protocol; cPickle in the Python 2 ancestor
    encode = staticmethod(lambda value: pickle.dumps(value))
    decode = staticmethod(lambda raw: Read(pickle.loads(raw)))

SERIALIZERS = {'JSON': JSON, 'String': String, 'Numeric': Numeric, 'Pickle': Pickle}

# models/abc.py: the key is the constructor's (or KEY); there is no PREFIX
class Model:
    def __init__(self, r, key, serializer):
        self.r, self.key, self.serializer = r, key, serializer
    # the ancestor's quirk: a falsy value (0, '', b'', None...) skips the serializer, both ways
    def encode(self, value):
        return self.serializer.encode(value) if value and self.serializer else value
    def decode(self, raw):
        return self.serializer.decode(raw) if raw and self.serializer else raw

class Counter(Model):  # INCR, GET
    def increment(self): return self.decode(self.r.incr(self.key))
    def get(self): return self.decode(self.r.get(self.key))

class Map(Model):  # GET, SET, INCRBY, DECRBY, DEL, EXISTS
    def get(self): return self.decode(self.r.get(self.key))
    def set(self, value): return self.r.set(self.key, self.encode(value))
    def incr(self, by=1): return self.decode(self.r.incr(self.key, by))
    def decr(self, by=1): return self.decode(self.r.decr(self.key, by))
    def remove(self): return bool(self.r.delete(self.key))
    def exists(self): return bool(self.r.exists(self.key))

class HashMap(Model):  # HGET, HSET, HDEL
    def get(self, field): return self.decode(self.r.hget(self.key, field))
    def set(self, field, value): return self.r.hset(self.key, field, self.encode(value))
    def remove(self, field): return bool(self.r.hdel(self.key, field))

class Pool(Model):  # SPOP, SADD, SMEMBERS, SISMEMBER
    def pop(self): return self.decode(self.r.spop(self.key))
    def push(self, item): return bool(self.r.sadd(self.key, self.encode(item)))
    def members(self): return [self.decode(m) for m in self.r.smembers(self.key)]
    def contains(self, item): return bool(self.r.sismember(self.key, self.encode(item)))

class SortedSet(Model):  # ZADD, ZREM, ZCOUNT, ZREVRANGE, ZRANGEBYSCORE, ZSCORE
    def add(self, element, score): return bool(self.r.zadd(self.key, {self.encode(element): score}))
    def rem(self, element): return bool(self.r.zrem(self.key, self.encode(element)))
    def length(self, low, high): return int(self.r.zcount(self.key, low, high))
    def members(self, with_scores=False):
        got = self.r.zrevrange(self.key, 0, -1, withscores=with_scores)
        return [(s, self.decode(e)) for e, s in got] if with_scores else [self.decode(e) for e in got]
    def members_by_score(self, low='-inf', high='+inf'):
        return [self.decode(e) for e in self.r.zrangebyscore(self.key, low, high)]
    def contains(self, element): return self.r.zscore(self.key, self.encode(element)) is not None

class Queue(Model):  # LPUSH, RPOP, LLEN, LRANGE
    def push(self, item): return self.r.lpush(self.key, self.encode(item))
    def pop(self): return self.decode(self.r.rpop(self.key))
    def size(self): return self.r.llen(self.key)
    def items(self): return [self.decode(i) for i in self.r.lrange(self.key, 0, -1)]

class Stack(Model):  # LPUSH, LPOP
    def push(self, item): return self.r.lpush(self.key, self.encode(item))
    def pop(self): return self.decode(self.r.lpop(self.key))

class PriorityQueue(Model):  # ZADD with int(priority); ZRANGEBYSCORE -inf +inf LIMIT 0 1, then ZREM
    def push(self, item, priority): return self.r.zadd(self.key, {self.encode(item): int(priority)})
    def pop(self):
        first = self.r.zrangebyscore(self.key, '-inf', '+inf', start=0, num=1)
        if not first: return None
        self.r.zrem(self.key, first[0])
        return self.decode(first[0])

class Lock(Model):  # EXISTS, then SET key '' and EXPIRE (seconds); release is a plain DEL
    def acquire(self, expire=None):
        if self.r.exists(self.key): return False
        self.r.set(self.key, '')
        if expire: self.r.expire(self.key, expire)
        return True
    def release(self): return bool(self.r.delete(self.key))
    def exists(self): return bool(self.r.exists(self.key))
    def ttl(self): return self.r.ttl(self.key)

# Document: the ancestor has none. This is the layout of its HashMap with one hash field per
# attribute and no serializer, each field the documented text (docs/models/document.md),
# written and parsed here by hand as a Python service would.
def as_text(value):
    if isinstance(value, bool): return '1' if value else '0'
    if isinstance(value, (int, float)): return str(value)
    if isinstance(value, datetime.datetime): return value.isoformat()
    if isinstance(value, (list, dict)): return json.dumps(value)  # default separators, ASCII escapes
    if isinstance(value, str): return value
    raise TypeError('no text form for ' + type(value).__name__)

def from_iso(stored):  # Python < 3.11 does not read the 'Z' of toISOString()
    return datetime.datetime.fromisoformat(stored[:-1] + '+00:00' if stored.endswith('Z') else stored)

PARSE = {'str': str, 'int': int, 'float': float, 'bool': lambda t: {'1': True, '0': False}[t],
         'datetime': from_iso, 'json': json.loads}

class Document(Model):  # HSET of the fields given, HGETALL
    def save(self, doc): return self.r.hset(self.key, mapping={k: as_text(v) for k, v in doc.items()})
    def fields(self): return {text(k): text(v) for k, v in self.r.hgetall(self.key).items()}
    def load(self, types):  # every stored field parsed by its type (a field not in types: KeyError)
        stored = self.fields()
        return {k: Read(PARSE[types[k]](v)) for k, v in stored.items()} if stored else None

MODELS = {m.__name__: m for m in (Counter, Map, HashMap, Pool, SortedSet, Queue, Stack, PriorityQueue, Lock, Document)}

def b64(raw): return base64.b64encode(raw).decode('ascii')

TAGS = {
    '$bytes': base64.b64decode, '$bytearray': lambda v: bytearray(base64.b64decode(v)),
    '$int': int, '$float': float, '$tuple': lambda v: tuple(arg(x) for x in v),
    '$set': lambda v: {arg(x) for x in v}, '$frozenset': lambda v: frozenset(arg(x) for x in v),
    '$dict': lambda v: {arg(k): arg(x) for k, x in v},
    '$datetime': from_iso, '$date': datetime.date.fromisoformat,
}

def arg(value):  # a tagged JSON argument (python-values.ts) to the Python value
    if isinstance(value, list): return [arg(v) for v in value]
    if not isinstance(value, dict): return value
    if len(value) == 1 and next(iter(value)) in TAGS:
        tag, inner = next(iter(value.items()))
        return TAGS[tag](inner)
    return {k: arg(v) for k, v in value.items()}

SAFE = 2 ** 53 - 1

def describe(v):  # what a Pickle or Document read gave, in the tagged JSON form
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return v if -SAFE <= v <= SAFE else {'$int': str(v)}
    if isinstance(v, float): return {'$float': v}
    if isinstance(v, bytes): return {'$bytes': b64(v)}
    if isinstance(v, bytearray): return {'$bytearray': b64(bytes(v))}
    if isinstance(v, list): return [describe(x) for x in v]
    if isinstance(v, tuple): return {'$tuple': [describe(x) for x in v]}
    if isinstance(v, frozenset): return {'$frozenset': [describe(x) for x in v]}
    if isinstance(v, set): return {'$set': [describe(x) for x in v]}
    if isinstance(v, dict): return {'$dict': [[describe(k), describe(x)] for k, x in v.items()]}
    if isinstance(v, datetime.datetime): return {'$datetime': v.isoformat(timespec='microseconds')}
    if isinstance(v, datetime.date): return {'$date': v.isoformat()}
    raise TypeError('no description for ' + type(v).__name__)

def out(value):
    if isinstance(value, Read): return describe(value.value)
    if isinstance(value, bytes):
        try: return value.decode('utf-8')
        except UnicodeDecodeError: return {'$bytes': b64(value)}
    if isinstance(value, (list, tuple, set, frozenset)): return [out(v) for v in value]
    if isinstance(value, dict): return {str(k): out(v) for k, v in value.items()}
    return value

request = json.load(sys.stdin)
client = redis.Redis.from_url(request['url'])
results = []
for step in request['steps']:
    model = MODELS[step['model']](client, step['key'], SERIALIZERS.get(step.get('serializer')))
    try:
        results.append({'ok': out(getattr(model, step['call'])(*[arg(a) for a in step.get('args', [])]))})
    except Exception as error:
        results.append({'error': type(error).__name__ + ': ' + str(error)})
json.dump(results, sys.stdout, allow_nan=False)
`;

/** One call of an ancestor model method. */
export interface AncestorCall {
  /** The ancestor's class name: `Counter`, `Map`, `HashMap`, `Pool`, `SortedSet`... */
  readonly model: string;
  /** The ancestor's serializer class name (`JSON`, `String`, `Numeric`, `Pickle`); none when absent. */
  readonly serializer?: string;
  readonly key: string;
  /** The method: `push`, `pop`, `get`, `set`, `members`... */
  readonly call: string;
  readonly args?: readonly unknown[];
}

/** What one ancestor call returned (`ok`) or raised (`error`: `"DataError: ..."`). */
export type AncestorResult = { readonly ok: unknown } | { readonly error: string };

/** The value a call returned; throws with Python's error when it raised. */
export function okOf(result: AncestorResult | undefined): unknown {
  if (result === undefined) throw new Error('the ancestor program has not run yet');
  if ('error' in result) throw new Error(`python raised ${result.error}`);
  return result.ok;
}

/**
 * Collects ancestor calls, then runs them all in **one** python3 process (a start costs ~50 ms),
 * in the order added. `add` returns a getter of that call's result, valid after `run`.
 */
export class AncestorProgram {
  readonly #steps: AncestorCall[] = [];
  #results: AncestorResult[] | undefined;

  /** Queues a call; the getter returns its result once {@link AncestorProgram.run} resolved. */
  add(step: AncestorCall): () => AncestorResult {
    const index = this.#steps.push(step) - 1;
    return () => {
      const result = this.#results?.[index];
      if (result === undefined) throw new Error(`no result for ancestor step ${index}`);
      return result;
    };
  }

  /** Runs every queued call against the Redis server at `url` (redis-py `from_url`). */
  async run(url: string): Promise<void> {
    const { stdout } = await runPython(ANCESTOR_PY, {
      redis: true,
      stdin: JSON.stringify({ url, steps: this.#steps }),
    });
    const results = JSON.parse(stdout.toString('utf8')) as AncestorResult[];
    if (results.length !== this.#steps.length) {
      throw new Error(
        `ancestor returned ${results.length} results for ${this.#steps.length} steps`,
      );
    }
    this.#results = results;
  }
}
