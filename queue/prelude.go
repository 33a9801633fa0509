package queue

import (
	"regexp"
	"strings"
)

// A preludePart is one top-level definition of prelude.lua, with the
// comment before it, and the names it defines.
type preludePart struct {
	text, code string // code: text without its comments
	names      []string
}

var (
	preludeDef  = regexp.MustCompile(`^local (?:function (\w+)|([\w,\s]+?)\s*=)`)
	preludeWord = regexp.MustCompile(`\w+`)
	luaComment  = regexp.MustCompile(`(?m)--.*$`) // the scripts hold no "--" in their strings
)

// preludeParts splits prelude into its top-level definitions: each starts
// at a line "local ..." at the margin, its comment lines before it
// included.
func preludeParts(prelude string) []preludePart {
	var parts []preludePart
	var cur, code, comment strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			p := preludePart{text: cur.String(), code: code.String()}
			if m := preludeDef.FindStringSubmatch(p.code); m != nil {
				for _, n := range strings.Split(m[1]+m[2], ",") {
					p.names = append(p.names, strings.TrimSpace(n))
				}
			}
			parts = append(parts, p)
		}
		cur.Reset()
		code.Reset()
	}
	for _, l := range strings.SplitAfter(prelude, "\n") {
		if strings.HasPrefix(l, "--") {
			comment.WriteString(l)
			continue
		}
		if strings.HasPrefix(l, "local ") {
			flush()
		}
		cur.WriteString(comment.String())
		comment.Reset()
		cur.WriteString(l)
		code.WriteString(l)
	}
	flush()
	return parts
}

// preludeFor is the part of prelude a script body needs: the definitions
// it names, and those they name, in prelude's order. Every script runs its
// prelude's definitions on every call (a closure for each function), so
// a script that takes only its own costs Redis less a call.
func preludeFor(prelude, body string) string {
	parts := preludeParts(prelude)
	need := map[string]bool{}
	for _, w := range preludeWord.FindAllString(luaComment.ReplaceAllString(body, ""), -1) {
		need[w] = true
	}
	took := make([]bool, len(parts))
	for more := true; more; {
		more = false
		for i, p := range parts {
			if took[i] {
				continue
			}
			for _, n := range p.names {
				if need[n] {
					took[i], more = true, true
					for _, w := range preludeWord.FindAllString(luaComment.ReplaceAllString(p.code, ""), -1) {
						need[w] = true
					}
					break
				}
			}
		}
	}
	var b strings.Builder
	for i, p := range parts {
		if took[i] {
			b.WriteString(p.text)
		}
	}
	return b.String()
}
