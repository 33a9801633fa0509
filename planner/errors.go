package planner

import "fmt"

// An InputError is something wrong with the compound file or the
// parameters: the coordinator must fix the input. Its message names the
// feature (its id or index) and what is wrong.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// BadInput marks the error as the user's input (exit status 2 in natq).
func (e *InputError) BadInput() bool { return true }

func inputErrorf(format string, a ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, a...)}
}
