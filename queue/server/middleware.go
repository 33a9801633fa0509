package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

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
	if !stateChanging(c.Method()) || len(c.Body()) == 0 {
		return c.Next()
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
// encoding/json matches names without regard to case, so "party" and
// "PARTY" are one field) and no member v does not have. A bad body is
// refused with the member or the place at fault.
func decode(c *fiber.Ctx, v any) error {
	return decodeJSON(c.Body(), v)
}

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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := duplicates(dec, ""); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return queue.BadField("body", fmt.Sprintf("JSON 之后有多余内容（第 %d 字节）", dec.InputOffset()),
			fmt.Sprintf("data after the JSON value (byte %d)", dec.InputOffset()))
	}
	dec = json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return queue.BadField(te.Field, "类型错误", "want a "+te.Type.String())
		}
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return queue.BadField(m[1], "未知字段", "unknown field")
		}
		return queue.BadField("body", "JSON 格式错误", err.Error())
	}
	return nil
}

var unknownField = regexp.MustCompile(`^json: unknown field "(.{0,64})"`)

// duplicates reads one JSON value from dec and refuses a member named
// twice in an object; path is where the value is.
func duplicates(dec *json.Decoder, path string) error {
	t, err := dec.Token()
	if err != nil {
		return syntaxErr(dec, err)
	}
	switch t {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return syntaxErr(dec, err)
			}
			k, _ := kt.(string)
			if seen[strings.ToLower(k)] {
				return queue.BadField(path+k, "字段重复", "appears twice")
			}
			seen[strings.ToLower(k)] = true
			if err := duplicates(dec, path+k+"."); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return syntaxErr(dec, err)
		}
	case json.Delim('['):
		for dec.More() {
			if err := duplicates(dec, path); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return syntaxErr(dec, err)
		}
	}
	return nil
}

func syntaxErr(dec *json.Decoder, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return queue.BadField("body", fmt.Sprintf("JSON 格式错误（第 %d 字节）", dec.InputOffset()),
		fmt.Sprintf("not JSON at byte %d: %v", dec.InputOffset(), err))
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
