-- wrk script for bench/api_bench.py: Open API answers are checked by their body, as a TikTok
-- Shop client checks them: a 200 whose JSON `code` is not 0 is a failure too.
--
--   wrk ... -s open_api.lua URL -- [TOKENS_FILE]
--
-- With TOKENS_FILE (one refresh token per line), every request presents the next unused
-- refresh token (refresh rotates them: each is good once); each thread walks its own share.
-- Prints `BENCH ok=… failed=… exhausted=…` at the end.

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
    table.insert(threads, thread)
end

-- Globals, not locals: done() reads each thread's counters with thread:get().
tokens = nil
next_token = 1
ok = 0
failed = 0
exhausted = 0
base = nil

function init(args)
    ok, failed, exhausted = 0, 0, 0
    local path = args[1]
    if path then
        tokens = {}
        local all = {}
        for line in io.lines(path) do
            table.insert(all, line)
        end
        -- thread i takes lines i, i + n, i + 2n, … (n = 2 threads, as bench/harness.py runs wrk)
        local n = 2
        for i = id, #all, n do
            table.insert(tokens, all[i])
        end
        base = wrk.path
    end
end

function request()
    if tokens then
        local token = tokens[next_token]
        if token == nil then
            exhausted = exhausted + 1
            token = "RFT_exhausted"
        end
        next_token = next_token + 1
        return wrk.format(nil, base .. "&refresh_token=" .. token)
    end
    return wrk.format(nil)
end

function response(status, headers, body)
    if status == 200 and body and string.find(body, '"code":%s*0[,}]') then
        ok = ok + 1
    else
        failed = failed + 1
    end
end

function done(summary, latency, requests)
    local total_ok, total_failed, total_exhausted = 0, 0, 0
    for _, thread in ipairs(threads) do
        total_ok = total_ok + (thread:get("ok") or 0)
        total_failed = total_failed + (thread:get("failed") or 0)
        total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    end
    io.write(string.format("BENCH ok=%d failed=%d exhausted=%d\n", total_ok, total_failed,
        total_exhausted))
end
