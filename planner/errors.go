package planner

import "natq/planner/errs"

// inputErrorf is something wrong with the compound file or the
// parameters: the coordinator must fix the input (errs.Invalid). Its
// message names the feature (its id or index) or the flag, and what is
// wrong.
func inputErrorf(format string, a ...any) error { return errs.Invalidf(format, a...) }
