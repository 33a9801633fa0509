package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Error is a failure the caller can act on: a stable Code for programs,
// and a short safe message in Chinese and English for people. Two Errors
// match under errors.Is when their codes are equal, so the sentinels below
// also match the detailed errors built from them.
type Error struct {
	Code      string
	Message   string // Chinese, for residents and volunteers
	MessageEn string
	Field     string // the request field at fault, for bad_input
}

func (e *Error) Error() string { return "queue: " + e.MessageEn }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// BadInput marks input errors for the command line (exit status 2).
func (e *Error) BadInput() bool { return e.Code == "bad_input" }

func newErr(code, zh, en string) *Error { return &Error{Code: code, Message: zh, MessageEn: en} }

// The errors the service returns. Refusals at check-in and sampling carry
// what the volunteer should do.
var (
	ErrBadInput       = newErr("bad_input", "输入有误", "bad input")
	ErrNotFound       = newErr("not_found", "找不到该票据", "no such ticket")
	ErrNoCompound     = newErr("no_compound", "找不到该小区", "no such compound")
	ErrNoSite         = newErr("no_site", "找不到该采样点", "no such site")
	ErrFull           = newErr("full", "所有时段都已约满，请联系楼组长或志愿者安排", "every window is full; ask your building's volunteer")
	ErrUnavailable    = newErr("unavailable", "服务暂时不可用（数据存储无法连接），请稍后重试", "service unavailable: the store (Redis) cannot be reached; try again shortly")
	ErrUnauthorized   = newErr("unauthorized", "需要工作人员凭证", "a staff token is required")
	ErrForbidden      = newErr("forbidden", "该凭证无权执行此操作", "this staff token may not do that")
	ErrWrongSite      = newErr("wrong_site", "不是本采样点的票", "the ticket is for another site")
	ErrTooEarly       = newErr("too_early", "还未到该时段，请稍后再来", "too early for the ticket's window; come back at its start")
	ErrTooLate        = newErr("too_late", "时段已过，请重新预约或由协调员安排", "the window and its grace have passed; book again or ask the coordinator")
	ErrAlreadySampled = newErr("already_sampled", "已采样，无需重复", "already sampled")
	ErrCancelled      = newErr("cancelled", "该票已取消，请重新预约", "the ticket was cancelled; book again")
	ErrNoShow         = newErr("no_show", "该票已记为未到，请重新预约", "the ticket was marked no-show; book again")
	ErrLineFull       = newErr("line_full", "队伍已满（一米线），请让居民在楼内等候", "the one-metre line is full: hold arrivals at their building")
	ErrLineEmpty      = newErr("line_empty", "队伍中无人等候", "nobody is waiting in line")
	ErrNotCalled      = newErr("not_called", "该票尚未叫号，不能记为未到", "the ticket has not been called; call it first")
	ErrTubeFull       = newErr("tube_full", "该混管已满，请换新管", "the tube is full; start a new tube")
	ErrFinal          = newErr("final", "该票已结束，不能再更改", "the ticket is finished and cannot change")
	ErrOldRound       = newErr("old_round", "该票属于上一轮检测", "the ticket belongs to an earlier round")
	ErrNoRoom         = newErr("no_room", "雨天方案容量不足，无法切换", "the other variant has no room for every ticket; nothing was changed")
)

// BadField returns a bad_input error naming the request field at fault.
func BadField(field, zh, en string) *Error {
	return &Error{Code: "bad_input", Field: field, Message: field + "：" + zh, MessageEn: field + ": " + en}
}

func withDetail(e *Error, zh, en string) *Error {
	return &Error{Code: e.Code, Message: e.Message + zh, MessageEn: e.MessageEn + en}
}

// storeErr turns a go-redis failure into ErrUnavailable when the store
// could not be reached, keeping the cause for the log.
func storeErr(err error) error {
	if err == nil {
		return nil
	}
	var qe *Error
	if errors.As(err, &qe) || errors.Is(err, context.Canceled) {
		return err
	}
	var re redis.Error
	if errors.As(err, &re) && !errors.Is(err, redis.ErrClosed) && !notServing(err.Error()) {
		return fmt.Errorf("queue: redis: %w", err)
	}
	return &unavailable{err}
}

// notServing reports whether a Redis error reply says the store cannot
// serve now but will: replaying its append-only file (LOADING), a script
// running too long (BUSY), a replica without its master, a cluster
// without all its slots or in a resharding (TRYAGAIN), or a replica
// reached after a failover (READONLY). Callers get 503 and retry.
func notServing(msg string) bool {
	code, _, _ := strings.Cut(strings.TrimPrefix(msg, "ERR "), " ")
	switch code {
	case "LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS":
		return true
	}
	return false
}

type unavailable struct{ cause error }

func (u *unavailable) Error() string        { return "queue: store unavailable: " + u.cause.Error() }
func (u *unavailable) Unwrap() []error      { return []error{ErrUnavailable, u.cause} }
func (u *unavailable) Is(target error) bool { return target == ErrUnavailable }
