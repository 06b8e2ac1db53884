-- roadmap-bench learner: wrk's request and response hooks. Arguments (after `--`): a file of
-- tokens ("-" for anonymous), a file of bodies, and a marker every good answer contains. Each
-- request picks a token and a body at random; every answer is checked (HTTP 200, no "errors",
-- the marker) and the bad ones counted; `done` prints one JSON line for the runner.
local tokens = {}
local bodies = {}
local marker = ""
bad = 0
first_bad = ""
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

local function read_lines(path, into)
    for line in io.lines(path) do
        if line ~= "" then
            table.insert(into, line)
        end
    end
end

function init(args)
    if args[1] ~= "-" then
        read_lines(args[1], tokens)
    end
    read_lines(args[2], bodies)
    marker = args[3]
    -- Threads start at the same second: seed each one differently.
    local addr = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
    math.randomseed(os.time() + addr)
end

function request()
    local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
    if #tokens > 0 then
        headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]
    end
    return wrk.format("POST", nil, headers, bodies[math.random(#bodies)])
end

function response(status, headers, body)
    if status ~= 200 or body:find('"errors"', 1, true) or not body:find(marker, 1, true) then
        bad = bad + 1
        if first_bad == "" then
            first_bad = status .. " " .. body:sub(1, 300)
        end
    end
end

function done(summary, latency, requests)
    local total_bad = 0
    local first = ""
    for _, t in ipairs(threads) do
        total_bad = total_bad + (t:get("bad") or 0)
        local f = t:get("first_bad") or ""
        if first == "" and f ~= "" then
            first = f
        end
    end
    local e = summary.errors
    io.write(string.format(
        'WRK-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,' ..
        '"p99_us":%d,"bad":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
        summary.requests, summary.duration, summary.bytes, latency:percentile(50),
        latency:percentile(95), latency:percentile(99), total_bad, e.connect, e.read, e.write,
        e.status, e.timeout))
    if first ~= "" then
        io.write("WRK-FIRST-BAD " .. first:gsub("\n", " ") .. "\n")
    end
end
