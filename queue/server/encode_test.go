package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/gofiber/fiber/v2"

	"natq/planner/errs"
	"natq/queue"
)

func sampleTicket() *queue.TicketView {
	loc := time.FixedZone("CST", 8*3600)
	at := time.UnixMilli(1764540000123).In(loc)
	ci := at.Add(time.Minute)
	return &queue.TicketView{Ticket: "c1.123.a6kNcH_XaTMQ3iwe", ID: 123, Compound: "c1", Round: "2026-12-01", State: "checked_in",
		Household: queue.Household{Building: "b1", Unit: "2", Room: "301", Party: 2}, Party: 2, Origin: "online", Variant: "dry",
		Site: "s1", SiteName: "北广场 <东> & \u2028", Window: queue.Span{Start: at, End: at.Add(15 * time.Minute)}, WindowIdx: 3, Ahead: 4,
		BookedAt: at, CheckedIn: &ci, URL: "https://natq.test/t/c1.123.a6kNcH_XaTMQ3iwe", Version: 3,
		Forecast: &queue.Forecast{At: at, Early: at, Late: at, WaitMin: 3, Method: "按前面的人数 / from the people ahead"}}
}

// TestJSONEncoder: the answers' encoder writes what encoding/json writes,
// byte for byte (HTML escaping, omitempty, nil slices and maps, sorted
// map keys, times).
func TestJSONEncoder(t *testing.T) {
	tk := sampleTicket()
	e := &errs.Error{Code: "bad_input", Message: "类型错误", MessageEn: "want a <int>", Field: "party", Err: errors.New("the cause")}
	b := fiber.Map{"error": e}
	line := &queue.SiteLine{Compound: "c1", Site: "s1", Called: []queue.LineEntry{{ID: 1, Ticket: "x", CheckedIn: tk.BookedAt}}, Now: tk.BookedAt}
	for _, v := range []any{tk, &queue.TicketView{}, &queue.Booking{Ticket: tk.Ticket, Window: tk.Window, Household: tk.Household, PartyChanged: true}, &queue.Booking{}, b, line, &queue.SiteLine{},
		fiber.Map{"z": 1, "a": []string(nil), "m": map[string]int(nil), "t": tk.Window, "f": 0.1, "e": []int{}},
		fiber.Map{"error": e, "ticket": (*queue.TicketView)(nil)}} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jsonv1.Marshal(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("jsonv1.Marshal(%T) = %s, %v\nencoding/json: %s", v, got, err, want)
		}
		got, err = encodeJSON(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("encodeJSON(%T) = %s, %v\nencoding/json: %s", v, got, err, want)
		}
	}
}

// BenchmarkEncodeTicket is encoding a resident's ticket, forecast and all,
// and a booking's answer, by their own encoder (what sendJSON writes,
// here into a buffer kept across answers, as fasthttp's pool keeps it)
// and by the general one.
func BenchmarkEncodeTicket(b *testing.B) {
	tk := sampleTicket()
	bk := &queue.Booking{Ticket: tk.Ticket, ID: tk.ID, Site: tk.Site, SiteName: tk.SiteName, Window: tk.Window, Party: 2, URL: tk.URL, Household: tk.Household}
	for _, c := range []struct {
		name string
		v    any
		enc  func(any) ([]byte, error)
	}{{"ticket", tk, own()}, {"ticket/jsonv1", tk, jsonv1.Marshal}, {"booking", bk, own()}, {"booking/jsonv1", bk, jsonv1.Marshal}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.enc(c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// own is a jsonAppender's own encoder, appending into one buffer reused
// from answer to answer.
func own() func(any) ([]byte, error) {
	var buf []byte
	return func(v any) ([]byte, error) {
		b, ok := v.(jsonAppender).AppendJSON(buf[:0])
		if !ok {
			return nil, fmt.Errorf("%T cannot encode itself", v)
		}
		buf = b
		return b, nil
	}
}

// TestSendJSON: an answer written into the response's pooled body buffer
// is encoding/json's bytes with its content type, and a buffer handed
// back to the pool carries nothing into the next answer: a long ticket,
// then a short booking, then the ticket again, on one kept-alive
// connection and on several at once.
func TestSendJSON(t *testing.T) {
	tk := sampleTicket()
	bk := &queue.Booking{Ticket: "c1.1.x", Party: 1}
	app := fiber.New(fiber.Config{JSONEncoder: encodeJSON, DisableStartupMessage: true})
	app.Get("/t", func(c *fiber.Ctx) error { return sendJSON(c, tk) })
	app.Get("/b", func(c *fiber.Ctx) error { return sendJSON(c, bk) })
	app.Get("/m", func(c *fiber.Ctx) error { return sendJSON(c, fiber.Map{"status": "ok"}) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer func() {
		// The client's kept-alive connections first: fasthttp's
		// shutdown waits for every open connection.
		client.CloseIdleConnections()
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Error(err)
		}
	}()
	want := map[string][]byte{}
	for path, v := range map[string]any{"/t": tk, "/b": bk, "/m": fiber.Map{"status": "ok"}} {
		if want[path], err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				path := []string{"/t", "/b", "/t", "/m"}[(i+w)%4]
				resp, err := client.Get("http://" + ln.Addr().String() + path)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(got, want[path]) || resp.Header.Get("Content-Type") != fiber.MIMEApplicationJSON {
					t.Errorf("GET %s = %s (%s), %v\nwant %s", path, got, resp.Header.Get("Content-Type"), err, want[path])
					return
				}
			}
		}()
	}
	wg.Wait()
}
