package server

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/gofiber/fiber/v2"

	"natq/queue"
)

var (
	errMediaType = &queue.Error{Code: "media_type", Message: "请求内容应为 JSON（Content-Type: application/json）",
		MessageEn: "the body must be JSON, sent with Content-Type: application/json"}
	errCrossOrigin = &queue.Error{Code: "cross_origin", Message: "拒绝来自其他网站的请求",
		MessageEn: "a page of another site may not change state here"}
)

// stateChanging reports whether a method may change state.
func stateChanging(m string) bool {
	return m != fiber.MethodGet && m != fiber.MethodHead && m != fiber.MethodOptions
}

// sameOrigin refuses state-changing requests that a browser sends from
// another site's page: a resident's ticket is the credential for its
// cancellation, and the booking route takes no credential at all, so a
// hostile page must not be able to submit either. Browsers say where a
// request comes from in Sec-Fetch-Site and Origin; a request without
// both (curl, a scanner app) is not a browser's cross-site request. The
// service's own origins are its base URL, the Host the request was sent
// to, and Options.Origins. (The rule of Go's http.CrossOriginProtection.)
func (h *handlers) sameOrigin(baseURL string, extra []string) fiber.Handler {
	trusted := map[string]bool{}
	for _, o := range append([]string{baseURL}, extra...) {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			trusted[strings.ToLower(u.Scheme+"://"+u.Host)] = true
		}
	}
	return func(c *fiber.Ctx) error {
		if !stateChanging(c.Method()) {
			return c.Next()
		}
		origin := strings.ToLower(c.Get(fiber.HeaderOrigin))
		if trusted[origin] {
			return c.Next()
		}
		switch c.Get("Sec-Fetch-Site") {
		case "same-origin", "none":
			return c.Next()
		case "":
		default:
			return h.fail(c, errCrossOrigin)
		}
		if origin == "" {
			return c.Next()
		}
		if u, err := url.Parse(origin); err == nil && u.Host != "" && u.Host == strings.ToLower(string(c.Request().Host())) {
			return c.Next()
		}
		return h.fail(c, errCrossOrigin)
	}
}

// contentType admits a body on a state-changing route only as JSON: a
// form or a text/plain body, which a page of any site may send without
// asking, is refused before it is read. The pre-booking route takes CSV
// too (text/csv, text/plain or no type, as curl sends a file): it needs a
// coordinator's bearer token, which no other site's page can send.
func (h *handlers) contentType(c *fiber.Ctx) error {
	if !stateChanging(c.Method()) || len(body(c)) == 0 {
		return c.Next()
	}
	if bytes.EqualFold(c.Request().Header.ContentType(), jsonType) {
		return c.Next() // what every page and client sends
	}
	ct := c.Get(fiber.HeaderContentType)
	csv := c.Method() == fiber.MethodPost && strings.HasSuffix(c.Path(), "/prebookings")
	if ct == "" && csv {
		return c.Next()
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") {
		err = errors.New("charset")
	}
	switch {
	case err != nil:
	case mt == fiber.MIMEApplicationJSON:
		return c.Next()
	case csv && (mt == "text/csv" || mt == "text/plain" || mt == "application/x-www-form-urlencoded"):
		return c.Next()
	}
	return h.fail(c, errMediaType)
}

// decode reads a JSON body into v, strictly: the body must be UTF-8, one
// JSON value and nothing after it, with no member twice (in any case:
// members match v's fields without regard to case, as encoding/json
// matches them, so "party" and "PARTY" are one field) and no member v does
// not have. A bad body is refused with the member or the place at fault.
func decode(c *fiber.Ctx, v any) error {
	return decodeJSON(body(c), v)
}

var jsonType = []byte(fiber.MIMEApplicationJSON)

// body is the request's body as Fiber's c.Body gives it (decoded when it
// has a Content-Encoding), without the copy and the walk of every header
// c.Body makes when it has none: natq only decodes it, keeping nothing of
// the bytes themselves.
func body(c *fiber.Ctx) []byte {
	if len(c.Request().Header.Peek(fiber.HeaderContentEncoding)) == 0 {
		return c.Request().Body()
	}
	return c.Body()
}

// strict are decodeJSON's rules, in one pass of the JSON v2 decoder
// (github.com/go-json-experiment/json, the proposed encoding/json/v2):
// duplicate names and invalid UTF-8 are refused by default, unknown members
// by RejectUnknownMembers; names match fields in any case, but "_" and
// "-" are not ignored in them (encoding/json's matching).
var strict = jsonv2.JoinOptions(jsonv2.RejectUnknownMembers(true), jsonv2.MatchCaseInsensitiveNames(true),
	jsonv1.MatchCaseSensitiveDelimiter(true))

func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return queue.BadField("body", "缺少请求内容", "missing JSON body")
	}
	if !utf8.Valid(body) {
		i := 0
		for i < len(body) {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return queue.BadField("body", fmt.Sprintf("第 %d 字节不是有效的 UTF-8 文本", i), fmt.Sprintf("not valid UTF-8 at byte %d", i))
	}
	err := jsonv2.Unmarshal(body, v, strict)
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &syn):
		return queue.BadField(member(syn.JSONPointer, duplicateName(syn.Err)), "字段重复", "appears twice")
	case errors.As(err, &syn) && strings.Contains(syn.Err.Error(), "after top-level value"):
		return queue.BadField("body", fmt.Sprintf("JSON 之后有多余内容（第 %d 字节）", syn.ByteOffset),
			fmt.Sprintf("data after the JSON value (byte %d)", syn.ByteOffset))
	case errors.As(err, &syn):
		return queue.BadField("body", fmt.Sprintf("JSON 格式错误（第 %d 字节）", syn.ByteOffset),
			fmt.Sprintf("not JSON at byte %d: %v", syn.ByteOffset, syn.Err))
	case errors.As(err, &sem) && errors.Is(err, jsonv2.ErrUnknownName):
		return queue.BadField(member(sem.JSONPointer, ""), "未知字段", "unknown field")
	case errors.As(err, &sem) && sem.JSONPointer != "" && sem.GoType != nil:
		zh, en := kindWords(sem.GoType)
		return queue.BadField(member(sem.JSONPointer, ""), "应为"+zh, "want "+en)
	case errors.As(err, &sem) && sem.GoType != nil:
		// The body itself is the wrong kind ([] or "x" where an object is).
		zh, en := kindWords(sem.GoType)
		return queue.BadField("body", "应为"+zh, "want "+en)
	}
	return queue.BadField("body", "JSON 格式错误", err.Error())
}

// kindWords says what JSON a Go type reads, in Chinese and English, as
// a caller writes it: a party is a number (2), not text ("2").
func kindWords(t reflect.Type) (zh, en string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "整数，如 2（不加引号）", "a whole number, such as 2 (no quotes)"
	case reflect.Float32, reflect.Float64:
		return "数字", "a number"
	case reflect.String:
		return "文字，加引号，如 \"302\"", `text in quotes, such as "302"`
	case reflect.Bool:
		return " true 或 false", "true or false"
	case reflect.Slice, reflect.Array:
		return "列表 [...]", "a list [...]"
	}
	return " JSON 对象 {...}", "a JSON object {...}"
}

// member names the member a JSON pointer points at, with its parents'
// names before it and dots between ("a.b"); name, when given, is a
// member of the object the pointer points at.
func member(p jsontext.Pointer, name string) string {
	var path []string
	for tok := range p.Tokens() {
		path = append(path, tok)
	}
	if name != "" {
		path = append(path, name)
	}
	m := strings.Join(path, ".")
	if len(m) > 64 {
		m = m[:64]
	}
	return m
}

// duplicateName is the name a duplicate-name error quotes, "" when it
// quotes none.
func duplicateName(err error) string {
	msg := err.Error()
	i := strings.Index(msg, `"`)
	if i < 0 {
		return ""
	}
	name, uerr := strconv.Unquote(msg[i:])
	if uerr != nil {
		return ""
	}
	return name
}

// redactPath hides the ticket token in a path: /api/v1/tickets/<token>...
// and /qr/<token>.png.
func redactPath(p string) string {
	segs := strings.Split(p, "/")
	for i := 1; i < len(segs); i++ {
		if segs[i-1] == "tickets" || segs[i-1] == "qr" || segs[i-1] == "t" {
			segs[i] = "<ticket>"
		}
	}
	return strings.Join(segs, "/")
}

// tokenLike is what a ticket or staff token looks like: a compound id, a
// dot, a number or more, and a base64url signature.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]{16,}`)

// redact hides anything token-like in an error's text.
func redact(s string) string { return tokenLike.ReplaceAllString(s, "<token>") }
