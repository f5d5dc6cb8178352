-- wrk script: POST a small chat completion. MODEL, STREAM, KEY and (optional) MAX_TOKENS come
-- from the environment.
local model = os.getenv("MODEL") or "bench"
local stream = os.getenv("STREAM") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if os.getenv("KEY") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY") end
local max_tokens = os.getenv("MAX_TOKENS") and (',"max_tokens":' .. os.getenv("MAX_TOKENS")) or ""
wrk.body = '{"model":"' .. model .. '","stream":' .. tostring(stream) .. max_tokens ..
    ',"messages":[{"role":"user","content":"Say hello in one short sentence."}]}'

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
    io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), summary.requests, errors))
end
