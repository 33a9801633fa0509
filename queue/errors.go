package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
)

// Error is natq's one error type (errs.Error): a stable Code for
// programs, and a short safe message in Chinese and English for people.
// Two Errors match under errors.Is when their codes are equal, so the
// sentinels below also match the detailed errors built from them.
type Error = errs.Error

func newErr(code errs.Code, zh, en string) *Error { return errs.New(code, zh, en) }

// The errors the service returns. Refusals at check-in and sampling carry
// what the volunteer should do.
var (
	ErrBadInput        = newErr(errs.Invalid, "输入有误", "bad input")
	ErrNotFound        = newErr(errs.NotFound, "找不到该票据", "no such ticket")
	ErrNoCompound      = newErr(errs.NoCompound, "找不到该小区", "no such compound")
	ErrNoSite          = newErr(errs.NoSite, "找不到该采样点", "no such site")
	ErrFull            = newErr(errs.Full, "所有时段都已约满，请联系楼组长或志愿者安排", "every window is full; ask your building's volunteer")
	ErrDayOver         = newErr(errs.WindowsOver, "本楼的采样点今天的时段都已结束，没有可排的时段了；请联系协调员", "every window of the building's sites has ended for today: there is none left to book; ask the coordinator")
	ErrWindowsOver     = newErr(errs.WindowsOver, "本楼（本单元）今天的采样时段都已结束。请到采样点，由工作人员登记，排进还有名额的时段", "your building's (or unit's) windows for today are over; go to the site, where the staff will book you into a window with room")
	ErrUnavailable     = newErr(errs.Unavailable, "服务暂时不可用（数据存储无法连接），请稍后重试", "service unavailable: the store (Redis) cannot be reached; try again shortly")
	ErrUnauthorized    = newErr(errs.Unauthorized, "需要工作人员凭证", "a staff token is required")
	ErrForbidden       = newErr(errs.Forbidden, "该凭证无权执行此操作", "this staff token may not do that")
	ErrWrongSite       = newErr(errs.WrongSite, "不是本采样点的票", "the ticket is for another site")
	ErrTooEarly        = newErr(errs.TooEarly, "还未到该时段，请稍后再来", "too early for the ticket's window; come back at its start")
	ErrTooLate         = newErr(errs.TooLate, "时段已过，请重新预约或由协调员安排", "the window and its grace have passed; book again or ask the coordinator")
	ErrAlreadySampled  = newErr(errs.AlreadySampled, "已采样，无需重复", "already sampled")
	ErrCancelled       = newErr(errs.Cancelled, "该票已取消，请重新预约", "the ticket was cancelled; book again")
	ErrNoShow          = newErr(errs.NoShow, "该票已记为未到，请重新预约", "the ticket was marked no-show; book again")
	ErrLineFull        = newErr(errs.LineFull, "队伍已满（一米线），请让居民在楼内等候", "the one-metre line is full: hold arrivals at their building")
	ErrLineEmpty       = newErr(errs.LineEmpty, "队伍中无人等候", "nobody is waiting in line")
	ErrTooManyDisplays = newErr(errs.TooManyDisplays, "这个采样点的叫号屏令牌已够多，请先在“工作人员”中撤销不再使用的", "the site has enough display tokens; revoke the ones no longer used (staff tokens) first")
	ErrNotCalled       = newErr(errs.NotCalled, "该票尚未叫号，不能记为未到", "the ticket has not been called, so it cannot be marked missed; call it first")
	errNotCalledAgain  = newErr(errs.NotCalled, "该票尚未叫号，不能重复叫号；请先叫号", "the ticket has not been called, so it cannot be called again; call it first")
	errNotCalledBack   = newErr(errs.NotCalled, "该票尚未叫号，仍在队中原位，无需放回", "the ticket has not been called: it is still in its place in line")
	ErrTubeFull        = newErr(errs.TubeFull, "该混管已满，请换新管", "the tube is full; start a new tube")
	ErrFinal           = newErr(errs.Final, "该票已结束，不能再更改", "the ticket is finished and cannot change")
	ErrOldRound        = newErr(errs.OldRound, "该票属于上一轮检测", "the ticket belongs to an earlier round")
	ErrPartyFull       = newErr(errs.PartyFull, "该时段没有多余名额，人数未改；可取消后重新预约", "the window has no room for a bigger party; the party was not changed (cancel and book again)")
	ErrPartyLocked     = newErr(errs.PartyLocked, "已签到或已结束的票不能在线改人数，请告诉现场工作人员", "a ticket in line or finished cannot change its party online; tell the staff at the site")
	ErrBooked          = newErr(errs.Booked, "这户已经预约过了：请在当初预约的手机上查看（家人可把票的链接转给您），或扫纸质票上的二维码；都找不到时，到采样点服务台报楼号、房号即可查到", "this household has a ticket already: open it on the phone that booked it (its link can be shared), or scan the QR code of its paper ticket; without either, the desk at the site finds it by the room number")
	ErrDeskBusy        = newErr(errs.DeskBusy, "本台还有一位已叫号的居民：请先记为已采样、过号或重新排队", "this desk still has a called resident: mark them sampled or missed, or queue them back, first")
	ErrAlreadyIn       = newErr(errs.AlreadyIn, "已签到", "already checked in")
	ErrInLine          = newErr(errs.Final, "该户已在采样点排队，请在采样点采样", "the household is in a site's line: sample it there")
	ErrNotHome         = newErr(errs.Final, "只能撤销上门采样的记录", "only a home sample's record can be taken back")
	ErrNoRoom          = newErr(errs.NoRoom, "雨天方案容量不足，无法切换", "the other variant has no room for every ticket; nothing was changed")
)

// BadField returns a bad_input error naming the request field at fault.
func BadField(field, zh, en string) *Error { return errs.Field(field, zh, en) }

// noBuilding refuses a building the compound (or, in English, where)
// lacks, naming what was typed in both languages (at most its first 24
// characters, without control characters), so that "3栋" written as
// "3 栋" or "三栋" can be told apart in a list of refusals.
func noBuilding(typed, where string) *Error {
	v := Shown(typed)
	return BadField("building", fmt.Sprintf("本小区没有“%s”这栋楼", v), fmt.Sprintf("no building %q in %s", v, where))
}

// Shown is what a refusal quotes of a value a person typed: its first 24
// characters, control characters dropped, "…" when cut.
func Shown(v string) string {
	var b strings.Builder
	n := 0
	for _, r := range v {
		if unicode.IsControl(r) {
			continue
		}
		if n == 24 {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// statesZh are a ticket's states and origins as a refusal's Chinese
// names them: a volunteer reads 已叫号, not "called".
var statesZh = map[string]string{
	"booked": "已预约", "checked_in": "已签到排队", "called": "已叫号", "sampled": "已采样",
	"no_show": "已过号", "cancelled": "已取消",
	"online": "线上预约", "paper": "纸质票", "home": "上门采样",
}

// stateZh is detail, a script's words for a ticket ("called", "sampled
// online"), in Chinese; a word it does not know stays as it is.
func stateZh(detail string) string {
	ws := strings.Fields(detail)
	for i, w := range ws {
		if zh, ok := statesZh[w]; ok {
			ws[i] = zh
		}
	}
	return strings.Join(ws, "，")
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
	return unavailable(err)
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

// unavailable is ErrUnavailable caused by err (kept for the log).
func unavailable(err error) *Error {
	return &Error{Code: errs.Unavailable, Message: ErrUnavailable.Message, MessageEn: ErrUnavailable.MessageEn, Err: err}
}
