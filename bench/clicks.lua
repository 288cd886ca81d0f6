-- wrk script for bench/redirect_bench.py: `wrk … -s clicks.lua <url> -- <seconds> <tail>`.
--
-- GET requests are counted as clicks. wrk abandons whatever is in flight when its time is
-- up, and an abandoned request may or may not have reached the server: so in the last
-- `tail` seconds (script argument 2) the script sends HEAD instead, which the server answers
-- the same way but does not count. Every GET is then answered before wrk stops, and the
-- number of GETs sent is exactly the number of clicks the server must have stored. The
-- same script drives both endpoints, so the comparison stays fair.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  -- wrk calls request() once on the first thread's state to inspect it, without sending.
  inspected = id ~= 1
  gets = 0
  heads = 0
  not_302 = 0
  cutoff = os.time() + tonumber(args[1]) - tonumber(args[2])
  get_request = wrk.format("GET")
  head_request = wrk.format("HEAD")
end

function request()
  if not inspected then
    inspected = true
    return get_request
  end
  if os.time() < cutoff then
    gets = gets + 1
    return get_request
  end
  heads = heads + 1
  return head_request
end

-- Every answer must be the redirect: anything else is counted (and fails the benchmark).
function response(status, headers, body)
  if status ~= 302 then
    not_302 = not_302 + 1
  end
end

function done(summary, latency, requests)
  local total_gets, total_heads, total_not_302 = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_gets = total_gets + thread:get("gets")
    total_heads = total_heads + thread:get("heads")
    total_not_302 = total_not_302 + thread:get("not_302")
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH gets=%d heads=%d not_302=%d answered=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    total_gets, total_heads, total_not_302, summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
