package queue

import (
	"regexp"
	"strings"
	"testing"
)

// TestEveryPublishSharded: every publish in the scripts is written as
// shardedSource rewrites it, so that on a sharded cluster none is left a
// PUBLISH (which the hub's sharded subscriptions do not hear).
func TestEveryPublishSharded(t *testing.T) {
	sources := map[string]string{"prelude.lua": preludeLua, "open.lua": openLua, "book.lua": bookLua,
		"cancel.lua": cancelLua, "checkin.lua": checkinLua, "call.lua": callLua, "noshow.lua": noshowLua,
		"sampled.lua": sampledLua, "switch.lua": switchLua, "repeat.lua": repeatLua}
	any := regexp.MustCompile(`(?i)publish`)
	for name, src := range sources {
		code := luaCode(src)
		n := len(any.FindAllString(code, -1))
		if want := strings.Count(code, "redis.call('PUBLISH',"); n != want {
			t.Errorf("%s: %d publishes, %d of them as redis.call('PUBLISH', ...): shardedSource misses the others", name, n, want)
		}
		if strings.Contains(shardedSource(code), "redis.call('PUBLISH',") {
			t.Errorf("%s: a PUBLISH left in its sharded variant", name)
		}
	}
}

// luaCode is src without its comments.
func luaCode(src string) string {
	var b strings.Builder
	for _, l := range strings.Split(src, "\n") {
		if i := strings.Index(l, "--"); i >= 0 {
			l = l[:i]
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
