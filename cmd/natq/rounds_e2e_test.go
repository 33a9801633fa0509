package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"natq/queue"
)

// TestRoundsComparedOnCoverage: the committee's second round. A
// household sampled in the first has not booked in the second: the
// coordinator's coverage lists it under 上轮已采样、本轮还没有预约, with the
// first round's date, so a volunteer can knock. Before, coverage gave
// only each building's count of unbooked households, not which.
func TestRoundsComparedOnCoverage(t *testing.T) {
	bd := startBrowserDemo(t)
	d := bd.d
	ctx := context.Background()
	m := bd.deskOf()
	b, _ := bd.bookRoom("1203", m)
	if _, err := d.svc.CallNext(ctx, m, b.Site, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.Sampled(ctx, m, b.Ticket, ""); err != nil {
		t.Fatal(err)
	}
	bd.bookRoom("1204", nil) // booked, never sampled: not "missed"
	// The next day's round, the same plan a day later.
	next := *d.file
	day, err := time.Parse("2006-01-02", d.plan.Date)
	if err != nil {
		t.Fatal(err)
	}
	next.Params.Date = day.AddDate(0, 0, 1).Format("2006-01-02")
	next.Schedule = slices.Clone(d.file.Schedule)
	for i := range next.Schedule {
		next.Schedule[i].Start = next.Schedule[i].Start.Add(24 * time.Hour)
		next.Schedule[i].End = next.Schedule[i].End.Add(24 * time.Hour)
	}
	p2, err := queue.NewPlan(&next)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.svc.OpenRound(ctx, p2); err != nil {
		t.Fatal(err)
	}
	coord := bd.tab("tablet-rounds", 1024, 768, false)
	coord.staffAt(d.staff, b.Site)
	coord.run("the coverage tab", chromedp.Click("#tab-cov"))
	coord.within(3*time.Second, "1203 missed since the last round", `document.querySelectorAll('#missedrows tr').length === 1 &&
		document.querySelector('#missedrows tr').cells[2].textContent === '1203' &&
		document.getElementById('missednote').textContent.startsWith('与上一轮（`+d.plan.Date+`）相比：1 户')`)
	coord.shot("coverage-rounds-1024x768")
	coord.noDialogs()
}
