package server_test

import (
	"bufio"
	jsonpkg "encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// TestHostile is what a hostile client of the whole city can send: each
// request is refused with the status, code and field a client can act on,
// and nothing is booked.
func TestHostile(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	in := start(t, c, nil, server.Options{})
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	tk := b["ticket"].(string)
	marshal, _ := in.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	const json = "application/json"
	book := "/api/v1/compounds/c1/bookings"
	ok := `{"building":"b1","room":"201","party":1}`
	host := strings.TrimPrefix(in.url, "http://")
	cases := []struct {
		name, method, path string
		headers            map[string]string
		body               string
		status             int
		code, field        string
	}{
		{"duplicate key", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":1,"party":8}`, 400, "bad_input", "party"},
		{"duplicate key in another case", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":1,"PARTY":8}`, 400, "bad_input", "PARTY"},
		{"unknown field", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":1,"origin":"paper"}`, 400, "bad_input", "origin"},
		{"invalid UTF-8", "POST", book, map[string]string{"Content-Type": json}, "{\"building\":\"b1\",\"room\":\"20\xff\",\"party\":1}", 400, "bad_input", "body"},
		{"overlong UTF-8", "POST", book, map[string]string{"Content-Type": json}, "{\"building\":\"b1\",\"room\":\"\xc0\xaf\",\"party\":1}", 400, "bad_input", "body"},
		{"two values", "POST", book, map[string]string{"Content-Type": json}, ok + ok, 400, "bad_input", "body"},
		{"trailing garbage", "POST", book, map[string]string{"Content-Type": json}, ok + " x", 400, "bad_input", "body"},
		{"array", "POST", book, map[string]string{"Content-Type": json}, `[` + ok + `]`, 400, "bad_input", "body"},
		{"null", "POST", book, map[string]string{"Content-Type": json}, `null`, 400, "bad_input", "building"},
		{"deep nesting", "POST", book, map[string]string{"Content-Type": json}, `{"building":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, 400, "bad_input", ""},
		{"party as string", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":"8"}`, 400, "bad_input", "party"},
		{"party overflow", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":1e400}`, 400, "bad_input", "party"},
		{"party negative", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":-3}`, 400, "bad_input", "party"},
		{"party too big", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":500}`, 400, "bad_input", "party"},
		{"room too long", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"` + strings.Repeat("9", 200) + `","party":1}`, 400, "bad_input", "room"},
		{"no such building", "POST", book, map[string]string{"Content-Type": json}, `{"building":"../b1","room":"202","party":1}`, 400, "bad_input", "building"},
		{"no such compound", "POST", "/api/v1/compounds/x/bookings", map[string]string{"Content-Type": json}, ok, 404, "no_compound", ""},
		{"text/plain (cross-site form)", "POST", book, map[string]string{"Content-Type": "text/plain"}, ok, 415, "media_type", ""},
		{"form", "POST", book, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, ok, 415, "media_type", ""},
		{"multipart", "POST", book, map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, ok, 415, "media_type", ""},
		{"no content type", "POST", book, nil, ok, 415, "media_type", ""},
		{"JSON in latin-1", "POST", book, map[string]string{"Content-Type": "application/json; charset=latin1"}, ok, 415, "media_type", ""},
		{"other site's Origin", "POST", book, map[string]string{"Content-Type": json, "Origin": "https://evil.example"}, ok, 403, "cross_origin", ""},
		{"Origin null", "POST", book, map[string]string{"Content-Type": json, "Origin": "null"}, ok, 403, "cross_origin", ""},
		{"cross-site fetch", "POST", book, map[string]string{"Content-Type": json, "Sec-Fetch-Site": "cross-site"}, ok, 403, "cross_origin", ""},
		{"same-site fetch", "POST", book, map[string]string{"Content-Type": json, "Sec-Fetch-Site": "same-site", "Origin": "https://other.natq.test"}, ok, 403, "cross_origin", ""},
		{"cross-site cancel", "DELETE", "/api/v1/tickets/" + tk, map[string]string{"Origin": "https://evil.example"}, "", 403, "cross_origin", ""},
		{"cross-site party change", "PATCH", "/api/v1/tickets/" + tk, map[string]string{"Content-Type": json, "Origin": "https://evil.example"}, `{"party":8}`, 403, "cross_origin", ""},
		{"party change as text/plain", "PATCH", "/api/v1/tickets/" + tk, map[string]string{"Content-Type": "text/plain"}, `{"party":8}`, 415, "media_type", ""},
		{"party change of a forged ticket", "PATCH", "/api/v1/tickets/c1.1.AAAAAAAAAAAAAAAAAAAAAA", map[string]string{"Content-Type": json}, `{"party":8}`, 404, "not_found", ""},
		{"a phone key of 65 characters", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"204","party":1,"key":"` + strings.Repeat("k", 65) + `"}`, 400, "bad_input", "key"},
		{"cross-site check-in", "POST", "/api/v1/sites/s1/checkins", map[string]string{"Content-Type": json, "Origin": "https://evil.example", "Authorization": "Bearer " + marshal}, `{"ticket":"` + tk + `"}`, 403, "cross_origin", ""},
		{"check-in as text/plain", "POST", "/api/v1/sites/s1/checkins", map[string]string{"Content-Type": "text/plain", "Authorization": "Bearer " + marshal}, `{"ticket":"` + tk + `"}`, 415, "media_type", ""},
		{"check-in unknown field", "POST", "/api/v1/sites/s1/checkins", map[string]string{"Content-Type": json, "Authorization": "Bearer " + marshal}, `{"ticket":"` + tk + `","site":"s2"}`, 400, "bad_input", "site"},
		{"body too large", "POST", book, map[string]string{"Content-Type": json}, `{"building":"` + strings.Repeat("b", 5<<20) + `"}`, 413, "too_large", ""},
		{"staff route, no token", "POST", "/api/v1/sites/s1/calls", nil, "", 401, "unauthorized", ""},
		{"staff route, huge token", "POST", "/api/v1/sites/s1/calls", map[string]string{"Authorization": "Bearer c1." + strings.Repeat("A", 8000)}, "", 431, "headers_too_large", ""},
		{"staff route, long token", "POST", "/api/v1/sites/s1/calls", map[string]string{"Authorization": "Bearer c1." + strings.Repeat("A", 1000)}, "", 401, "unauthorized", ""},
		{"staff route, basic auth", "POST", "/api/v1/sites/s1/calls", map[string]string{"Authorization": "Basic bTpt"}, "", 401, "unauthorized", ""},
		{"forged ticket", "GET", "/api/v1/tickets/c1.1.AAAAAAAAAAAAAAAAAAAAAA", nil, "", 404, "not_found", ""},
		{"ticket of a made-up compound", "GET", "/api/v1/tickets/zz.1.AAAAAAAAAAAAAAAAAAAAAA", nil, "", 404, "not_found", ""},
		{"forged ticket's stream", "GET", "/api/v1/tickets/c1.1.AAAA/events", nil, "", 404, "not_found", ""},
		{"traversal", "GET", "/api/v1/tickets/..%2f..%2fetc%2fpasswd", nil, "", 404, "", ""},
		{"no such site's stream", "GET", "/api/v1/sites/%00/events", nil, "", 404, "no_site", ""},
		{"QR too big", "GET", "/qr/" + tk + ".png?size=100000", nil, "", 400, "bad_input", "size"},
		{"QR of a forged ticket", "GET", "/qr/c1.1.AAAA.png", nil, "", 404, "not_found", ""},
		{"wrong method", "PATCH", book, map[string]string{"Content-Type": json}, ok, 405, "method", ""},
		{"no route", "POST", "/api/v1/admin", nil, "", 404, "no_route", ""},
		// And what must pass: the service's own pages and non-browser clients.
		{"own Origin (base URL)", "POST", book, map[string]string{"Content-Type": json, "Origin": "https://natq.test"}, `{"building":"b1","room":"301","party":1}`, 201, "", ""},
		{"own Origin (Host)", "POST", book, map[string]string{"Content-Type": json, "Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}, `{"building":"b1","room":"302","party":1}`, 201, "", ""},
		{"JSON with charset", "POST", book, map[string]string{"Content-Type": "application/json; charset=utf-8"}, `{"building":"b1","room":"303","party":1}`, 201, "", ""},
		{"room with a newline: room 202 (queue/room.go drops invisible characters)", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"2\n02","party":1}`, 201, "", ""},
		// A room number is all anyone needs to ask for a household: its
		// ticket (a token that reads, re-sizes and cancels it) goes only to
		// a request holding it.
		{"room 202 again, plainly, from another phone: the same household, booked", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"202","party":1}`, 409, "already_booked", ""},
		{"another household's room, to re-size it", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"101","party":6}`, 409, "already_booked", ""},
		{"another household's room, holding a forged ticket", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"101","party":1,"ticket":"c1.1.AAAAAAAAAAAAAAAAAAAAAA"}`, 409, "already_booked", ""},
		{"ticket not a string", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"101","party":1,"ticket":7}`, 400, "bad_input", "ticket"},
		{"repeat, holding its ticket", "POST", book, map[string]string{"Content-Type": json}, `{"building":"b1","room":"101","party":1,"ticket":"` + tk + `"}`, 200, "", ""},
	}
	refused := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, in.url+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil && tc.status == 413 {
				// fasthttp answers 413 from the headers and closes the
				// connection while the client still writes the body.
				refused++
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, e, ee := readAnswer(resp)
			if resp.StatusCode != tc.status || (tc.code != "" && errCode(e) != tc.code) || (tc.field != "" && ee["field"] != tc.field) {
				t.Errorf("%s %s = %d %s, want %d %s field %q", tc.method, tc.path, resp.StatusCode, trim(body), tc.status, tc.code, tc.field)
			}
			if resp.StatusCode >= 400 {
				if ee["message"] == "" || ee["message_en"] == "" {
					t.Errorf("%s %s: refusal without a message in both languages: %s", tc.method, tc.path, trim(body))
				}
				refused++
			}
		})
	}
	// Nothing refused was booked: the four accepted households are all
	// there are, besides the first.
	n, _ := c.HLen(ctx, "natq:{c1}:r:2026-12-01:hh").Result()
	if n != 5 {
		t.Errorf("%d households booked after the hostile requests, want 5", n)
	}
	t.Logf("hostile requests: %d tried, %d refused, %d admitted as they should be", len(cases), refused, len(cases)-refused)
}

// TestRefusalsInWords: a body of the wrong kind is refused in words a
// caller can act on, the Chinese naming the field as people do. Before,
// "party: want a int" (类型错误), and a list for a body quoted Go's type
// ("unable to unmarshal JSON array into Go queue.Household").
func TestRefusalsInWords(t *testing.T) {
	in := start(t, queuetest.Stores()[0].Client(t), nil, server.Options{})
	book := in.url + "/api/v1/compounds/c1/bookings"
	for _, c := range []struct{ body, zh, en string }{
		{`{"building":"b1","room":"202","party":"2"}`, "人数：应为整数，如 2（不加引号）", "party: want a whole number, such as 2 (no quotes)"},
		{`{"building":"b1","room":202,"party":2}`, `房号：应为文字，加引号，如 "302"`, `room: want text in quotes, such as "302"`},
		{`{"building":"b1","room":"202","party":2,"students":"yes"}`, "学生：应为 true 或 false", "students: want true or false"},
		{`[{"building":"b1","room":"202","party":2}]`, "请求内容：应为 JSON 对象 {...}", "body: want a JSON object {...}"},
		{`{"building":"b1","room":"9999","party":2}`, "房号：本楼没有 9999，应为楼层加两位门牌号", "room: this building has no room 9999"},
		// Said once, with what was typed (it read "房号：不是房号：房号是…").
		{`{"building":"b1","room":"8-03","party":2}`, "房号：“8-03”看不懂，应为楼层加两位门牌号，例如 302", `room: "8-03" is not a room number`},
		{`{"building":"b1","room":"","party":2}`, "房号：没有填写，应为楼层加两位门牌号", "room: missing"},
	} {
		code, e := do(t, "POST", book, "", c.body)
		ee, _ := e["error"].(map[string]any)
		if zh, _ := ee["message"].(string); code != 400 || !strings.HasPrefix(zh, c.zh) || !strings.HasPrefix(ee["message_en"].(string), c.en) {
			t.Errorf("%s = %d %v; want 400 %q / %q", c.body, code, e, c.zh, c.en)
		}
	}
}

func trim(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

func jsonUnmarshal(b []byte, v any) { _ = jsonpkg.Unmarshal(b, v) }

// readAnswer reads and closes an answer's body: the body, its JSON, and
// the JSON's "error" member (nil when it has none).
func readAnswer(resp *http.Response) (body []byte, e, ee map[string]any) {
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	jsonUnmarshal(body, &e)
	ee, _ = e["error"].(map[string]any)
	return body, e, ee
}

// TestUnreadableRequest: a request whose headers cannot be read is told
// why, without the copy of the request fasthttp appends to its error:
// that held the request's Authorization, sent back in the answer.
func TestUnreadableRequest(t *testing.T) {
	in := start(t, queuetest.Stores()[0].Client(t), nil, server.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const secret = "c1.SECRETSECRETSECRET"
	fmt.Fprintf(conn, "GET /api/v1/compounds/c1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: abc\r\n\r\n", secret)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, e, ee := readAnswer(resp)
	en, _ := ee["message_en"].(string)
	if resp.StatusCode != 400 || errCode(e) != "bad_input" || !strings.Contains(en, "Content-Length") {
		t.Errorf("a request with Content-Length: abc = %d %s; want 400 bad_input saying what is wrong", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "SECRET") || strings.Contains(en, "Buffer size") {
		t.Errorf("the answer to an unreadable request echoes the request: %s", body)
	}
}
