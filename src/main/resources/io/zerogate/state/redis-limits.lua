-- Metered limits of the ZeroGate state store, evaluated atomically inside Redis. The arithmetic is the one
-- the Javadoc of io.zerogate.state.Meter gives; Lua numbers are doubles, so every value stays an integer
-- below 2^53 and divisions are exact integer divisions (fdiv, tdiv, cdiv below).
--
-- One call carries the charges of one or more requests, each decided on its own, one after the other, all
-- at the same TIME: a request sees what the requests before it in the call applied, and a request that is
-- refused applies nothing and changes nothing for the others.
--
-- KEYS: one per charge, the charges of each request after those of the request before it. ARGV[1]: the
-- mode (charge, peek, release, refund). Then, per request, its lease id and its number of charges, then six
-- values per charge: kind (g gcra, f fixed window, s sliding window, c concurrency, q quota), three meter
-- parameters, the cost, and a flag: enforced (1 or 0) for charge and peek, the mark of the charge for refund.
--
-- charge, peek and refund answer, per request, {verdict, then five values per charge: allowed, remaining,
-- resetMicros, retryAfterMicros, mark}. The mark names the window a charge counted in, so that a refund takes
-- back from that window only. release removes each request's lease from its keys and answers the number
-- removed.

local mode = ARGV[1]
-- The lease id of the request being decided.
local lease
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])

-- Floor division of integers, exact while they stay below 2^53.
local function fdiv(a, b)
  local q = math.floor(a / b)
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

-- Each evaluation reads only. It answers allowed, the results as if applied (rem, reset) and as if not
-- (rem0, reset0), retry, mark, and apply, a function that writes the charge.
local meters = {}

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

meters.g = {
  eval = function(key, limit, period, burst, cost)
    local t = math.max(1, fdiv(period, limit))
    local tat = math.max(rate(key) or now, now)
    local next = tat + t * cost
    local ok = next - now <= t * burst
    return {
      ok = ok, rem = tdiv(t * burst - (next - now), t), reset = next - now,
      rem0 = tdiv(t * burst - (tat - now), t), reset0 = tat - now,
      retry = ok and 0 or next - now - t * burst, mark = 0,
      apply = function()
        set_rate(key, next)
      end
    }
  end,
  refund = function(key, limit, period, burst, cost)
    local t = math.max(1, fdiv(period, limit))
    local tat = rate(key)
    if tat then
      set_rate(key, tat - t * cost)
    end
  end
}

meters.f = {
  eval = function(key, limit, window, _, cost)
    local stored = redis.call('HMGET', key, 'c', 'e')
    local ends = tonumber(stored[2])
    local open = ends ~= nil and ends > now
    local count = open and tonumber(stored[1]) or 0
    if not open then
      ends = now + window
    end
    local reset = open and ends - now or window
    local ok = count + cost <= limit
    return {
      ok = ok, rem = limit - count - cost, reset = reset, rem0 = limit - count, reset0 = reset,
      retry = ok and 0 or reset, mark = ends,
      apply = function()
        redis.call('HSET', key, 'c', text(count + cost), 'e', text(ends))
        redis.call('PEXPIRE', key, ttl(ends - now))
      end
    }
  end,
  refund = function(key, _, _, _, cost, mark)
    local stored = redis.call('HMGET', key, 'c', 'e')
    if tonumber(stored[2]) == mark then
      local count = tonumber(stored[1]) - cost
      if count <= 0 then
        redis.call('DEL', key)
      else
        redis.call('HSET', key, 'c', text(count))
      end
    end
  end
}

meters.s = {
  eval = function(key, limit, window, _, cost)
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
    local weighted = math.floor(prev * ((window - elapsed) / window))
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
    return {
      ok = ok, rem = math.max(0, limit - weighted - cur - cost), reset = reset,
      rem0 = math.max(0, limit - weighted - cur), reset0 = reset, retry = retry, mark = i,
      apply = function()
        redis.call('HSET', key, 'w', text(i), 'c', text(cur + cost), 'p', text(prev))
        redis.call('PEXPIRE', key, ttl((i + 2) * window - now))
      end
    }
  end,
  refund = function(key, _, _, _, cost, mark)
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local w = tonumber(stored[1])
    if w == mark then
      redis.call('HSET', key, 'c', text(math.max(0, tonumber(stored[2]) - cost)))
    elseif w == mark + 1 then
      redis.call('HSET', key, 'p', text(math.max(0, tonumber(stored[3]) - cost)))
    end
  end
}

meters.c = {
  eval = function(key, limit, leaseMicros)
    local held = redis.call('ZCOUNT', key, '(' .. text(now), '+inf')
    local ok = held + 1 <= limit
    return {
      ok = ok, rem = limit - held - 1, reset = 0, rem0 = limit - held, reset0 = 0,
      retry = ok and 0 or 1000000, mark = 0,
      apply = function()
        redis.call('ZREMRANGEBYSCORE', key, '-inf', text(now))
        redis.call('ZADD', key, text(now + leaseMicros), lease)
        local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
        redis.call('PEXPIRE', key, ttl(tonumber(last[2]) - now))
      end
    }
  end,
  refund = function(key)
    redis.call('ZREM', key, lease)
  end
}

meters.q = {
  eval = function(key, limit, periodEndMillis, _, cost)
    local count = tonumber(redis.call('GET', key)) or 0
    -- The period's end is in wall-clock milliseconds, and so is the time left to it.
    local reset = math.max(0, periodEndMillis - fdiv(now, 1000)) * 1000
    local ok = count + cost <= limit
    return {
      ok = ok, rem = limit - count - cost, reset = reset, rem0 = limit - count, reset0 = reset,
      retry = ok and 0 or reset, mark = 0,
      apply = function()
        redis.call('INCRBY', key, text(cost))
        redis.call('PEXPIREAT', key, text(periodEndMillis))
      end
    }
  end,
  refund = function(key, _, _, _, cost)
    local count = tonumber(redis.call('GET', key))
    if count then
      if count - cost <= 0 then
        redis.call('DEL', key)
      else
        redis.call('DECRBY', key, text(cost))
      end
    end
  end
}

-- Decides one request: its charges are KEYS[first + 1 ..] and their values ARGV[at + 1 ..]. Every enforced
-- charge is evaluated before any is applied (a request's keys are distinct), and either all that allow are
-- applied or none. Appends the request's answer to reply.
local function decide(first, at, count, reply)
  local evaluations = {}
  local verdict = true
  for n = 1, count do
    local key, base = KEYS[first + n], at + (n - 1) * 6
    local meter, a, b, c = meters[ARGV[base + 1]], tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]),
        tonumber(ARGV[base + 4])
    local cost, flag = tonumber(ARGV[base + 5]), tonumber(ARGV[base + 6])
    if mode == 'refund' then
      meter.refund(key, a, b, c, cost, flag)
    end
    local evaluation = meter.eval(key, a, b, c, cost)
    if mode == 'charge' and flag == 1 and not evaluation.ok then
      verdict = false
    end
    evaluations[n] = evaluation
  end
  reply[#reply + 1] = mode == 'charge' and verdict and 1 or 0
  for _, evaluation in ipairs(evaluations) do
    -- peek answers what each charge alone would answer; a charge answers what it applied, or the state as is.
    local applied = evaluation.ok and (mode == 'peek' or (mode == 'charge' and verdict))
    if mode == 'charge' and applied then
      evaluation.apply()
    end
    reply[#reply + 1] = evaluation.ok and 1 or 0
    reply[#reply + 1] = applied and evaluation.rem or evaluation.rem0
    reply[#reply + 1] = applied and evaluation.reset or evaluation.reset0
    reply[#reply + 1] = evaluation.retry
    reply[#reply + 1] = evaluation.mark
  end
end

local reply = {}
local removed = 0
local first, at = 0, 1
while at < #ARGV do
  lease = ARGV[at + 1]
  local count = tonumber(ARGV[at + 2])
  at = at + 2
  if mode == 'release' then
    for n = 1, count do
      removed = removed + redis.call('ZREM', KEYS[first + n], lease)
    end
  else
    decide(first, at, count, reply)
  end
  first, at = first + count, at + count * 6
end
if mode == 'release' then
  return removed
end
store_rates()
return reply
