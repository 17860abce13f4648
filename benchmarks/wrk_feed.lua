-- wrk script: each request takes a random line "token<TAB>path" from the file given after "--",
-- an optional think time per connection (ms, second argument), and prints a JSON summary line.
local lines = {}
local think = 0

function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  think = tonumber(args[2] or "0")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local line = lines[math.random(#lines)]
  local token, path = line:match("^([^\t]*)\t(.+)$")
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", path, headers)
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
