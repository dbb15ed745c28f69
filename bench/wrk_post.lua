-- wrk script for bench.webhooks: each thread posts its own file of pre-signed requests once.
-- wrk -s bench/wrk_post.lua URL -- PREFIX  (thread N reads PREFIX.N: a request a line, each
-- CRLF written as a tab, since neither headers nor bodies hold one)
local threads, requests, index = {}, {}, 0
repeated = 0 -- per thread, read back by done()

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("number", #threads)
end

function init(args)
  for line in io.lines(args[1] .. "." .. number) do
    requests[#requests + 1] = (line:gsub("\t", "\r\n"))
  end
end

function request()
  -- Past the end the last request is repeated (a duplicate): bench.webhooks refuses the run.
  if index == #requests then
    repeated = repeated + 1
  else
    index = index + 1
  end
  return requests[index]
end

function done(summary, latency, _)
  local repeats = 0
  for _, thread in ipairs(threads) do
    repeats = repeats + thread:get("repeated")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"repeated": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    repeats, latency:percentile(50), latency:percentile(99), latency.max))
end
