package planfile_test

import (
	"fmt"
	"os"

	"natq/planner/planfile"
)

// c1 reads the queue's test plan.
func c1() *planfile.File {
	r, err := os.Open("../../queue/testdata/c1.plan.geojson")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	f, err := planfile.Read(r)
	if err != nil {
		panic(err) // an *Error names what is wrong and where
	}
	return f
}

// A reader reads a plan file once, then asks it what it needs.
func ExampleRead() {
	f := c1()
	b := f.Building("b1")
	for _, v := range f.Variants {
		s := f.Site(b.Site[v], v)
		fmt.Printf("%s, %s: %s goes to %s, whose line holds %d\n", f.Compound.Name, v, b.Label(), s.Label(), s.LineCapacity)
		for _, w := range f.WindowsOf(v, s.ID) {
			if w.Calls(b.ID) {
				fmt.Printf("  window %d %s-%s admits %d\n", w.Index, w.Start.In(f.Location()).Format("15:04"), w.End.In(f.Location()).Format("15:04"), w.Capacity)
			}
		}
	}
	// Output:
	// 测试小区, dry: 1号楼 goes to 北广场, whose line holds 40
	//   window 0 07:00-07:15 admits 37
	//   window 1 07:15-07:30 admits 37
	// 测试小区, wet: 1号楼 goes to 会所门廊, whose line holds 30
	//   window 6 07:00-07:15 admits 25
	//   window 7 07:15-07:30 admits 25
	//   window 8 07:30-07:45 admits 30
}

// Readers that measure and draw put the plan on its local plane: true
// metres, x east and y north of the middle of the compound.
func ExampleFile_Projected() {
	f := c1()
	m := f.Projected(f.Projection())
	box := m.Building("b1").Outline.Bound()
	fmt.Printf("b1 is %.1f m by %.1f m\n", box.Max[0]-box.Min[0], box.Max[1]-box.Min[1])
	// Output:
	// b1 is 19.1 m by 22.2 m
}
