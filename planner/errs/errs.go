// Package errs is natq's one error model: an Error carries a Code that
// programs act on and a short, safe message in Chinese and English that
// people read; the cause, for the log only, is wrapped inside.
//
// Every package of natq returns these: the planner for a bad compound
// file or flag, the plan-file reader for a bad plan, the queue for a full
// window or a forged ticket. What a code means to the outside is decided
// in one table each: cmd/natq maps codes to exit statuses, queue/server to
// HTTP statuses. A code is part of the HTTP API (pages switch on it):
// codes are only ever added.
package errs

import (
	"encoding/json"
	"errors"
	"fmt"
)

// A Code says what kind of failure an Error is.
type Code string

// The codes. Invalid, Usage and Internal are natq's own; the rest are the
// queue service's refusals, each a thing a resident or volunteer can act on.
const (
	Invalid  Code = "bad_input" // the input is wrong: a compound file, a flag, a request field
	Usage    Code = "usage"     // natq was called wrongly (flags, arguments)
	Internal Code = "internal"  // a bug or an unexpected failure: the log has the detail

	NotFound        Code = "not_found" // no such ticket
	NoCompound      Code = "no_compound"
	NoSite          Code = "no_site"
	NoRoute         Code = "no_route" // no such URL
	Method          Code = "method"
	TooLarge        Code = "too_large"
	Unauthorized    Code = "unauthorized"
	Forbidden       Code = "forbidden"
	RateLimited     Code = "rate_limited"
	Unavailable     Code = "unavailable" // the store cannot be reached: retry
	Full            Code = "full"
	WrongSite       Code = "wrong_site"
	TooEarly        Code = "too_early"
	TooLate         Code = "too_late"
	AlreadySampled  Code = "already_sampled"
	Cancelled       Code = "cancelled"
	NoShow          Code = "no_show"
	LineFull        Code = "line_full"
	LineEmpty       Code = "line_empty"
	NotCalled       Code = "not_called"
	TubeFull        Code = "tube_full"
	Final           Code = "final"
	OldRound        Code = "old_round"
	NoRoom          Code = "no_room"
	PartyFull       Code = "party_full"         // no room in the window for a bigger party
	PartyLocked     Code = "party_locked"       // a ticket in line or finished keeps its party
	Booked          Code = "already_booked"     // the household has a ticket, which the request does not hold
	DeskBusy        Code = "desk_busy"          // the desk still has a called resident
	AlreadyIn       Code = "already_checked_in" // a second scan of a ticket in line
	TooManyDisplays Code = "too_many_displays"  // a site's display tokens: revoke unused ones first
	WindowsOver     Code = "windows_over"       // every window of the household's has ended: the desk books it later
)

// Error is a failure the caller can act on. Two Errors match under
// errors.Is when their codes are equal, so a sentinel such as
// queue.ErrFull also matches the detailed errors built from it.
type Error struct {
	Code      Code
	Message   string // Chinese, for residents and volunteers
	MessageEn string // English; also the command line's message
	Field     string // the input field at fault, for Invalid
	Err       error  // the cause, for the log; never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil && e.Err.Error() != e.MessageEn { // BadFile's message is its cause's
		return e.MessageEn + ": " + e.Err.Error()
	}
	return e.MessageEn
}

// MarshalJSON writes e as the HTTP API writes an error, {"code",
// "message", "message_en"} and "field" for bad input, wherever an Error
// is part of an answer (a pre-booking row's refusal): the pages read one
// shape, and the cause, which may name Redis or a file, stays out.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code      Code   `json:"code"`
		Message   string `json:"message"`
		MessageEn string `json:"message_en"`
		Field     string `json:"field,omitempty"`
	}{e.Code, e.Message, e.MessageEn, e.Field})
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New returns an Error of code with its messages in Chinese and English.
func New(code Code, zh, en string) *Error { return &Error{Code: code, Message: zh, MessageEn: en} }

// Invalidf is bad input described in English only (a compound file, a
// plan file or a flag, read by the committee at the command line); the
// message names the feature or flag at fault.
func Invalidf(format string, a ...any) *Error {
	msg := fmt.Sprintf(format, a...)
	return &Error{Code: Invalid, Message: msg, MessageEn: msg}
}

// Usagef is a mistake in how natq was called.
func Usagef(format string, a ...any) *Error {
	msg := fmt.Sprintf(format, a...)
	return &Error{Code: Usage, Message: msg, MessageEn: msg}
}

// Field is bad input naming the request field at fault: Field is the
// API's name for programs, and the Chinese message names it as a
// resident or a volunteer calls it (房号：…, not room：…).
func Field(field, zh, en string) *Error {
	return &Error{Code: Invalid, Field: field, Message: FieldZh(field) + "：" + zh, MessageEn: field + ": " + en}
}

// fieldsZh are the request fields' Chinese names.
var fieldsZh = map[string]string{
	"building": "楼号", "unit": "单元", "room": "房号", "party": "人数", "students": "学生",
	"name": "姓名", "tube": "管号", "desk": "台号", "ticket": "票", "number": "票号",
	"variant": "方案", "compound": "小区", "date": "日期", "round": "轮次", "role": "角色",
	"until": "有效期", "code": "配对码", "secret": "配对密钥", "body": "请求内容",
	"request": "请求", "csv": "表格", "bookings": "预约", "size": "大小", "file": "文件",
}

// FieldZh is a request field's Chinese name; a field without one (a
// member of a member, "a.b") keeps the API's.
func FieldZh(field string) string {
	if zh, ok := fieldsZh[field]; ok {
		return zh
	}
	return field
}

// CodeOf returns the code of the first Error in err's chain, Internal
// when there is none (nil has no code: "").
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first Error in err's chain, or an Internal error whose
// messages say nothing of err (its detail is for the log, not for users).
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "服务器内部错误", MessageEn: "internal error", Err: err}
}

// BadFile is bad input whose message is err's own: a file the user named
// at the command line cannot be read ("plan.geojson: no such file"). The
// message shows the cause, so use it only where the user gave the path.
func BadFile(err error) *Error {
	return &Error{Code: Invalid, Message: err.Error(), MessageEn: err.Error(), Err: err}
}
