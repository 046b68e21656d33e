-- bench/gates/paced.lua: a paced (not saturating) wrk load. Each connection waits `delay()` ms
-- between requests, so the offered rate is about connections / (delay + latency):
-- `wrk -t2 -c14 -s bench/gates/paced.lua` offers ~5.6k requests/s on loopback.
-- wrk's latency figures exclude the delay.
function delay()
  return 2
end
