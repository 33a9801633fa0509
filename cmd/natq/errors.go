package main

import "natq/planner/errs"

// exitCodes is the one table of natq's exit statuses: the user's input or
// call is wrong (2), anything else failed (1).
var exitCodes = map[errs.Code]int{
	errs.Invalid: 2,
	errs.Usage:   2,
}

// exitCode is the exit status of a command that failed with err.
func exitCode(err error) int {
	if code, ok := exitCodes[errs.CodeOf(err)]; ok {
		return code
	}
	return 1
}
