#!/usr/bin/env bash
# lualoop.sh BODY [N] [PRELUDE]: what one Lua statement costs Redis, in ns, from a loop of N
# (1,000,000) inside one EVAL after PRELUDE (queue/prelude.lua), minus the same loop with
# BODY "x = i"; best of three. BODY sees the values of a checked-in ticket (t, ticket_names
# order), compound, typ, id, inline and ahead (numbers), at, and a new ticket's book.lua
# locals (round, b, u, room, partyv, origin, variant, w, site, ws, we). Needs a redis-server
# on PORT (6379), e.g.
#
#   bash cmd/natqload/lualoop.sh "x = raw_event(compound, typ, id, inline, at, t, ahead)"
set -euo pipefail
body=$1; n=${2:-1000000}; prelude=${3:-$(dirname "$0")/../../queue/prelude.lua}; port=${PORT:-6379}
script() {
	cat "$prelude"
	cat <<L
local t = {'checked_in', '2026-12-01', 'b12', '2', '301', '3', 'online', 'dry', '4', 's3', '1796175000000',
  '1796175900000', '1796174000000', false, '0', false, '1796170000000', false, false, '2'}
local compound, typ, id, inline, at, ahead = 'c1', 'checked_in', '123456', 17, '1796174000000', 17
local round, b, u, room, partyv, origin, variant, w, site, ws, we =
  '2026-12-01', 'b12', '2', '301', '3', 'online', 'dry', '4', 's3', '1796175000000', '1796175900000'
local x
local t0 = redis.call('TIME')
for i = 1, tonumber(ARGV[1]) do $1 end
local t1 = redis.call('TIME')
return (t1[1] - t0[1]) * 1000000 + (t1[2] - t0[2])
L
}
best() {
	local b=
	for _ in 1 2 3; do
		v=$(redis-cli -p "$port" eval "$(script "$1")" 0 "$n")
		if [ -z "$b" ] || [ "$v" -lt "$b" ]; then b=$v; fi
	done
	echo "$b"
}
e=$(best "x = i")
f=$(best "$body")
echo "$(((f - e) * 1000 / n)) ns ($body)"
