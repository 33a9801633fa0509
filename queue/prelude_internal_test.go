package queue

import (
	"regexp"
	"strings"
	"testing"
)

// Every script gets each prelude definition it names, directly or through
// another it gets, and no function it does not need: the desk's changes
// tell their events with tell_values, not tell.
func TestPreludeFor(t *testing.T) {
	def := regexp.MustCompile(`(?m)^local function (\w+)`)
	var names []string
	for _, m := range def.FindAllStringSubmatch(preludeLua, -1) {
		names = append(names, m[1])
	}
	names = append(names, "ticket_names", "T_ST", "T_VER")
	bodies := map[string]string{"open": openLua, "book": bookLua, "cancel": cancelLua, "checkin": checkinLua, "call": callLua,
		"noshow": noshowLua, "sampled": sampledLua, "switch": switchLua, "repeat": repeatLua}
	for name, body := range bodies {
		got := preludeFor(preludeLua, body)
		code := regexp.MustCompile(`(?m)--.*$`).ReplaceAllString(got+"\n"+body, "")
		for _, n := range names {
			used := regexp.MustCompile(`\b` + n + `\b`).MatchString(code)
			has := strings.Contains(got, "local function "+n+"(") || strings.Contains(got, "local "+n+" =") ||
				strings.Contains(got, "local T_ST, ") && strings.HasPrefix(n, "T_")
			if used && !has {
				t.Errorf("%s.lua uses %s, which its prelude does not define", name, n)
			}
		}
	}
	for _, name := range []string{"checkin", "call", "sampled"} {
		if got := preludeFor(preludeLua, bodies[name]); strings.Contains(got, "local function tell(") {
			t.Errorf("%s.lua's prelude defines tell, which it does not use", name)
		}
	}
}
