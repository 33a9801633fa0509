// Package minheap is the binary min-heap the planner's searches share: the
// walkway Dijkstra and the assignment's transportation solves.
// container/heap's interface calls cost more than the searches themselves
// on graphs this small.
package minheap

// An Item is a node of a search and the cost it was reached at.
type Item struct {
	Cost float64
	Node int32
}

// A Heap is a binary min-heap of items by cost.
type Heap []Item

// Push adds x.
func (h *Heap) Push(x Item) {
	*h = append(*h, x)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].Cost <= s[i].Cost {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

// Pop removes and returns the cheapest item; the heap must not be empty.
func (h *Heap) Pop() Item {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].Cost < s[m].Cost {
			m = l
		}
		if r < len(s) && s[r].Cost < s[m].Cost {
			m = r
		}
		if m == i {
			break
		}
		s[m], s[i] = s[i], s[m]
		i = m
	}
	*h = s
	return top
}
