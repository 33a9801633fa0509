package main

import "errors"

// isBadInput reports whether err is the user's input being wrong (a bad
// compound file, an unknown compound, a malformed CSV): exit status 2.
// Packages mark such errors with a BadInput method, so that this file
// needs to import none of them.
func isBadInput(err error) bool {
	var bi interface{ BadInput() bool }
	return errors.As(err, &bi) && bi.BadInput()
}
