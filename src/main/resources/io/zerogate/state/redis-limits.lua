-- Metered limits of the ZeroGate state store, evaluated atomically inside Redis. The arithmetic is the one
-- the Javadoc of io.zerogate.state.Meter gives; Lua numbers are doubles, so every value stays an integer
-- below 2^53 and divisions are exact integer divisions (fdiv, tdiv, cdiv below).
--
-- One call carries the charges of one or more requests, each decided on its own, one after the other, all
-- at the same TIME: a request sees what the requests before it in the call applied, and a request that is
-- refused applies nothing and changes nothing for the others.
--
-- KEYS: the keys the charges count under, each once. ARGV[1]: the mode (charge, peek, release, refund).
-- ARGV[2]: the requests, packed little-endian in runs of consecutive requests that are alike (the same lease
-- id and the same charges, as the many requests of one caller are): per run the number of requests in it
-- (2 bytes), their lease id (a 2-byte length, then the bytes) and their number of charges (2 bytes), then per
-- charge its key (2 bytes, an index into KEYS), its meter (2 bytes, an index into the meters), its cost
-- (8 bytes) and a flag (8 bytes): enforced (1 or 0) for charge and peek, the mark of the charge for refund.
-- Each request of a run is decided on its own, exactly as if it had been packed alone. ARGV[3]: the number of
-- meters M, then four values per meter: kind (g gcra, f fixed window, s sliding window, c concurrency,
-- q quota) and three parameters. Packing the requests into one argument spares Redis and the client a
-- separate argument per value.
--
-- charge, peek and refund answer one string: per request (each request of a run its own) its verdict
-- (1 byte), then per charge allowed (1 byte) and remaining, resetMicros, retryAfterMicros and mark (8 bytes
-- each, signed). The mark names the window a charge counted in, so that a refund takes back from that window only. release removes
-- each request's lease from its keys and answers the number removed, packed in 8 bytes.

local mode = ARGV[1]
local charging = mode == 'charge'
local peeking = mode == 'peek'
local refunding = mode == 'refund'
-- The lease id of the request being decided.
local lease
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local floor = math.floor
local pack, unpack = struct.pack, struct.unpack

-- Floor division of integers, exact while they stay below 2^53.
local function fdiv(a, b)
  local q = floor(a / b)
  if q * b > a then
    q = q - 1
  elseif (q + 1) * b <= a then
    q = q + 1
  end
  return q
end

-- Java's integer division: truncates toward zero.
local function tdiv(a, b)
  if a < 0 then
    return -fdiv(-a, b)
  end
  return fdiv(a, b)
end

local function cdiv(a, b)
  return -fdiv(-a, b)
end

-- Redis takes numbers as text; %.0f keeps large integers out of exponent notation.
local function text(n)
  return string.format('%.0f', n)
end

-- Milliseconds to live for something that ends in `micros`, rounded up so that it never ends early.
local function ttl(micros)
  return text(math.max(1, cdiv(micros, 1000)))
end

-- Rates by key as this call has left them (false: no rate stored). A key that many requests of one call share is
-- read once and written once, when the call ends (see store_rates).
local rates, changed = {}, {}

local function rate(key)
  local tat = rates[key]
  if tat == nil then
    tat = tonumber(redis.call('GET', key)) or false
    rates[key] = tat
  end
  return tat or nil
end

local function set_rate(key, tat)
  if not changed[key] then
    changed[key] = true
    changed[#changed + 1] = key
  end
  rates[key] = tat
end

-- A rate lives until its bucket is empty again; one that is empty already is removed.
local function store_rates()
  for _, key in ipairs(changed) do
    local tat = rates[key]
    if tat > now then
      redis.call('SET', key, text(tat), 'PX', ttl(tat - now))
    else
      redis.call('DEL', key)
    end
  end
end

-- Each meter kind has eval, apply and refund, each one function below that branches on the kind (g gcra, f fixed
-- window, s sliding window, c concurrency, q quota): fewer closures to make on every call. eval reads only and
-- answers nine values: allowed, the results as if applied (rem, reset) and as if not (rem0, reset0), retry, mark,
-- and two values apply needs to write the charge. m is the meter: its kind k, its parameters a, b, c and, for a
-- rate, t (the emission interval).
local function eval(key, m, cost)
  local kind = m.k
  if kind == 'g' then
    local t = m.t
    local tat = rate(key) or now
    if tat < now then
      tat = now
    end
    local next = tat + t * cost
    local room = t * m.c
    local ok = next - now <= room
    return ok, tdiv(room - (next - now), t), next - now, tdiv(room - (tat - now), t), tat - now,
        ok and 0 or next - now - room, 0, next
  elseif kind == 'f' then
    local limit, window = m.a, m.b
    local stored = redis.call('HMGET', key, 'c', 'e')
    local ends = tonumber(stored[2])
    local open = ends ~= nil and ends > now
    local count = open and tonumber(stored[1]) or 0
    if not open then
      ends = now + window
    end
    local reset = open and ends - now or window
    local ok = count + cost <= limit
    return ok, limit - count - cost, reset, limit - count, reset, ok and 0 or reset, ends, count
  elseif kind == 's' then
    local limit, window = m.a, m.b
    local i = fdiv(now, window)
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local w = tonumber(stored[1])
    local cur, prev = 0, 0
    if w == i then
      cur, prev = tonumber(stored[2]), tonumber(stored[3])
    elseif w == i - 1 then
      prev = tonumber(stored[2])
    end
    local elapsed = now - i * window
    local weighted = floor(prev * ((window - elapsed) / window))
    local reset = (i + 1) * window - now
    local ok = weighted + cur + cost <= limit
    local retry = 0
    if not ok then
      if cur + cost > limit then
        retry = reset
      else
        retry = math.min(reset, cdiv(window * (weighted + cur + cost - limit), prev))
      end
    end
    return ok, math.max(0, limit - weighted - cur - cost), reset, math.max(0, limit - weighted - cur), reset, retry,
        i, cur, prev
  elseif kind == 'c' then
    local limit = m.a
    local held = redis.call('ZCOUNT', key, '(' .. text(now), '+inf')
    local ok = held + 1 <= limit
    return ok, limit - held - 1, 0, limit - held, 0, ok and 0 or 1000000, 0
  end
  -- q
  local limit, periodEndMillis = m.a, m.b
  local count = tonumber(redis.call('GET', key)) or 0
  -- The period's end is in wall-clock milliseconds, and so is the time left to it.
  local reset = math.max(0, periodEndMillis - fdiv(now, 1000)) * 1000
  local ok = count + cost <= limit
  return ok, limit - count - cost, reset, limit - count, reset, ok and 0 or reset, 0
end

-- Writes a charge that eval allowed; s1, s2 and mark are what eval answered last, second-last and as the mark.
local function apply(key, m, cost, s1, s2, mark)
  local kind = m.k
  if kind == 'g' then
    set_rate(key, s1)
  elseif kind == 'f' then
    redis.call('HSET', key, 'c', text(s1 + cost), 'e', text(mark))
    redis.call('PEXPIRE', key, ttl(mark - now))
  elseif kind == 's' then
    redis.call('HSET', key, 'w', text(mark), 'c', text(s1 + cost), 'p', text(s2))
    redis.call('PEXPIRE', key, ttl((mark + 2) * m.b - now))
  elseif kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', text(now))
    redis.call('ZADD', key, text(now + m.b), lease)
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    redis.call('PEXPIRE', key, ttl(tonumber(last[2]) - now))
  else
    redis.call('INCRBY', key, text(cost))
    redis.call('PEXPIREAT', key, text(m.b))
  end
end

-- Takes back a charge that counted in the window `mark` names.
local function refund(key, m, cost, mark)
  local kind = m.k
  if kind == 'g' then
    local tat = rate(key)
    if tat then
      set_rate(key, tat - m.t * cost)
    end
  elseif kind == 'f' then
    local stored = redis.call('HMGET', key, 'c', 'e')
    if tonumber(stored[2]) == mark then
      local count = tonumber(stored[1]) - cost
      if count <= 0 then
        redis.call('DEL', key)
      else
        redis.call('HSET', key, 'c', text(count))
      end
    end
  elseif kind == 's' then
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local w = tonumber(stored[1])
    if w == mark then
      redis.call('HSET', key, 'c', text(math.max(0, tonumber(stored[2]) - cost)))
    elseif w == mark + 1 then
      redis.call('HSET', key, 'p', text(math.max(0, tonumber(stored[3]) - cost)))
    end
  elseif kind == 'c' then
    redis.call('ZREM', key, lease)
  else
    local count = tonumber(redis.call('GET', key))
    if count then
      if count - cost <= 0 then
        redis.call('DEL', key)
      else
        redis.call('DECRBY', key, text(cost))
      end
    end
  end
end

local meter = {}
local at = 3
for n = 1, tonumber(ARGV[3]) do
  local m = {k = ARGV[at + 1], a = tonumber(ARGV[at + 2]), b = tonumber(ARGV[at + 3]), c = tonumber(ARGV[at + 4])}
  if ARGV[at + 1] == 'g' then
    m.t = math.max(1, fdiv(m.b, m.a))
  end
  meter[n] = m
  at = at + 4
end

-- The charges of the request being decided (key, meter, cost, flag) and their evaluations, ten values per
-- charge, reused from request to request.
local ck, cm, cc, cf, ev = {}, {}, {}, {}, {}
local reply, size = {}, 0

-- Decides one request of `count` charges, read into ck, cm, cc and cf. Every charge is evaluated before any is
-- applied (a request's keys are distinct), and either all that allow are applied or none.
local function decide(count)
  if count == 1 then
    -- Most requests have one limit: decided without the tables, answered in one pack.
    local key, m, cost, flag = ck[1], cm[1], cc[1], cf[1]
    if refunding then
      refund(key, m, cost, flag)
    end
    local ok, rem, reset, rem0, reset0, retry, mark, s1, s2 = eval(key, m, cost)
    local verdict = ok or not charging or flag ~= 1
    -- peek answers what the charge alone would answer; a charge answers what it applied, or the state as is.
    local applied = ok and (peeking or (charging and verdict))
    if charging and applied then
      apply(key, m, cost, s1, s2, mark)
    end
    size = size + 1
    reply[size] = pack('<BBi8i8i8i8', charging and verdict and 1 or 0, ok and 1 or 0,
        applied and rem or rem0, applied and reset or reset0, retry, mark)
    return
  end
  local verdict = true
  for n = 1, count do
    local key, m, cost, flag = ck[n], cm[n], cc[n], cf[n]
    if refunding then
      refund(key, m, cost, flag)
    end
    local ok, rem, reset, rem0, reset0, retry, mark, s1, s2 = eval(key, m, cost)
    if charging and flag == 1 and not ok then
      verdict = false
    end
    local e = (n - 1) * 10
    ev[e + 1], ev[e + 2], ev[e + 3], ev[e + 4], ev[e + 5] = ok, rem, reset, rem0, reset0
    ev[e + 6], ev[e + 7], ev[e + 8], ev[e + 9] = retry, mark, s1, s2
  end
  size = size + 1
  reply[size] = pack('<B', charging and verdict and 1 or 0)
  for n = 1, count do
    local e = (n - 1) * 10
    local ok = ev[e + 1]
    local applied = ok and (peeking or (charging and verdict))
    if charging and applied then
      apply(ck[n], cm[n], cc[n], ev[e + 8], ev[e + 9], ev[e + 7])
    end
    size = size + 1
    reply[size] = pack('<Bi8i8i8i8', ok and 1 or 0, applied and ev[e + 2] or ev[e + 4],
        applied and ev[e + 3] or ev[e + 5], ev[e + 6], ev[e + 7])
  end
end

-- Decides a run of `run` alike requests of one GCRA charge each, as decide would one by one, in closed form: at one
-- TIME, the first k requests that fit are allowed, each advancing the rate by the same step, and every request after
-- them sees the rate the k left and is refused alike (a refused request applies nothing, enforced or not).
-- A step is at least one microsecond: costs are at least 1.
local function decide_rate_run(run)
  local key, m, cost, flag = ck[1], cm[1], cc[1], cf[1]
  local t = m.t
  local tat = rate(key) or now
  if tat < now then
    tat = now
  end
  local wait = tat - now
  local room = t * m.c
  local step = t * cost
  local fits
  if wait > room then
    fits = 0
  else
    fits = math.min(run, fdiv(room - wait, step))
  end
  for j = 1, fits do
    local ahead = wait + j * step
    size = size + 1
    reply[size] = pack('<BBi8i8i8i8', 1, 1, tdiv(room - ahead, t), ahead, 0, 0)
  end
  if fits < run then
    local left = wait + fits * step
    size = size + 1
    reply[size] = string.rep(pack('<BBi8i8i8i8', flag ~= 1 and 1 or 0, 0, tdiv(room - left, t), left,
        left + step - room, 0), run - fits)
  end
  if fits > 0 then
    set_rate(key, tat + fits * step)
  end
end

local packed = ARGV[2]
local removed = 0
local pos = 1
local length = #packed
while pos <= length do
  local run, count
  run, lease, count, pos = unpack('<HHc0H', packed, pos)
  for n = 1, count do
    local k, m
    k, m, cc[n], cf[n], pos = unpack('<HHi8i8', packed, pos)
    ck[n], cm[n] = KEYS[k], meter[m]
  end
  if mode == 'release' then
    for _ = 1, run do
      for n = 1, count do
        removed = removed + redis.call('ZREM', ck[n], lease)
      end
    end
  elseif charging and count == 1 and run > 1 and cm[1].k == 'g' then
    decide_rate_run(run)
  else
    for _ = 1, run do
      decide(count)
    end
  end
end
if mode == 'release' then
  return pack('<i8', removed)
end
store_rates()
return table.concat(reply)
