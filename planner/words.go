package planner

import "fmt"

// count is n things in English: "1 walkway", "2 walkways".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// have is the verb after count(n, ...): " has" or " have".
func have(n int) string {
	if n == 1 {
		return " has"
	}
	return " have"
}
