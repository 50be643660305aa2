-- wrk script for "target safe vs nginx": every request is a checkout POST with a fresh
-- Idempotency-Key, so the safe endpoint makes a real purchase each time (a replayed key would be
-- a cheap cached answer). nginx answers the same request with its fixed body.
math.randomseed(os.time())
local prefix = string.format("wrk-%d-%d", os.time(), math.random(1, 1000000000))
local counter = 0
local body = '{"product_id": 1, "user_id": "u-wrk", "quantity": 1}'

request = function()
  counter = counter + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. "-" .. counter,
  }, body)
end
