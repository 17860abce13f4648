-- wrk script for benchmarks/search.py: each request is a random line of the paths file (a search URL,
-- e.g. "/api/v1/search?type=people&q=ma") sent with a random viewer's token from the tokens file (one
-- a line); arguments after "--": tokens file, paths file, optional think time per connection (ms).
-- Prints the same JSON summary line as wrk_feed.lua.
local tokens, paths = {}, {}
local think = 0

function init(args)
  for line in io.lines(args[1]) do if line ~= "" then tokens[#tokens + 1] = line end end
  for line in io.lines(args[2]) do if line ~= "" then paths[#paths + 1] = line end end
  think = tonumber(args[3] or "0")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local headers = {}
  headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

function delay()
  if think <= 0 then return 0 end
  return math.random(math.floor(think * 0.5), math.floor(think * 1.5))
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_s": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
