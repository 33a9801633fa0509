package planner

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/paulmach/orb"

	"natq/planner/internal/minheap"
)

// Every resident's route is decided in this file: the way from each door
// to its site and the way back, each least-cost on the walkway network under
// the weather's edge costs (weather.go), by Dijkstra from each site.

// A Route is one walk between a building entrance and its site.
type Route struct {
	Variant   Variant
	Building  *Building
	Entrance  *Entrance
	Site      *Site
	Direction string         // "to" (entrance to site) or "back"
	Path      orb.LineString // plane
	Length    float64
	Uncovered float64
}

// routes draws, for every scheduled building, each entrance's way to where
// its site joins the walkways (the line starts a few steps in), and the
// way back, which avoids where it can the walkways the way there uses, so
// that the sampled and the unsampled do not meet.
func (vp *VariantPlan) routes(n *Network, rainFactor float64) []*Route {
	var out []*Route
	bs := make([]*Building, 0, len(vp.Site))
	for b := range vp.Site {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
	used := map[*Site]map[int32]bool{}
	for _, b := range bs {
		s := vp.Site[b]
		t := vp.trees[s]
		if used[s] == nil {
			used[s] = map[int32]bool{}
		}
		for _, e := range b.Entrances {
			if e.node < 0 || math.IsInf(t.cost[e.node], 1) {
				continue
			}
			path := n.path(t, e.node)
			for v := e.node; v != t.src; v = n.edges[t.prev[v]].other(v) {
				used[s][t.prev[v]] = true
			}
			out = append(out, &Route{Variant: vp.Variant, Building: b, Entrance: e, Site: s, Direction: "to",
				Path: path, Length: t.length[e.node], Uncovered: t.uncovered[e.node]})
		}
	}
	back := map[*Site]*tree{}
	for _, b := range bs {
		s := vp.Site[b]
		bt := back[s]
		if bt == nil {
			cost := n.edgeCosts(vp.Variant, rainFactor)
			for i := range cost {
				if used[s][int32(i)] {
					cost[i] *= 3 // the way there: use another way back where there is one
				}
			}
			bt = n.shortest(s.node, cost)
			back[s] = bt
		}
		for _, e := range b.Entrances {
			if e.node < 0 || math.IsInf(bt.cost[e.node], 1) {
				continue
			}
			to := n.path(bt, e.node)
			path := make(orb.LineString, len(to))
			for i := range to {
				path[i] = to[len(to)-1-i]
			}
			out = append(out, &Route{Variant: vp.Variant, Building: b, Entrance: e, Site: s, Direction: "back",
				Path: path, Length: bt.length[e.node], Uncovered: bt.uncovered[e.node]})
		}
	}
	return out
}

// A tree is the shortest-path tree of the network from one source (a site
// entry) under one cost: for every node the cost to reach it, the walkway
// metres and uncovered metres of that cheapest way, and the edge it was
// reached by.
type tree struct {
	src       int32
	cost      []float64
	length    []float64
	uncovered []float64
	prev      []int32 // edge index, -1 at the source and where unreached
}

// shortest computes the tree from src with Dijkstra's algorithm on a binary
// heap. The network is undirected, so the tree also gives every node's
// cheapest way to src.
func (n *Network) shortest(src int32, cost []float64) *tree {
	nn := len(n.pts)
	t := &tree{src: src, cost: make([]float64, nn), length: make([]float64, nn), uncovered: make([]float64, nn), prev: make([]int32, nn)}
	for i := range t.cost {
		t.cost[i], t.prev[i] = math.Inf(1), -1
	}
	t.cost[src] = 0
	h := minheap.Heap{{Cost: 0, Node: src}}
	done := make([]bool, nn)
	for len(h) > 0 {
		v := h.Pop().Node
		if done[v] {
			continue
		}
		done[v] = true
		for _, ei := range n.adj[n.off[v]:n.off[v+1]] {
			e := &n.edges[ei]
			w := e.other(v)
			if nc := t.cost[v] + cost[ei]; nc < t.cost[w] {
				t.cost[w], t.prev[w] = nc, ei
				t.length[w] = t.length[v] + e.length
				t.uncovered[w] = t.uncovered[v]
				if !e.sheltered {
					t.uncovered[w] += e.length
				}
				h.Push(minheap.Item{Cost: nc, Node: w})
			}
		}
	}
	return t
}

// treesFrom grows the shortest-path tree of every site, one site per core:
// the trees are independent and the network is only read.
func (n *Network) treesFrom(sites []*Site, cost []float64) map[*Site]*tree {
	out := make([]*tree, len(sites))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(len(sites), runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = n.shortest(sites[i].node, cost)
			}
		}()
	}
	for i := range sites {
		next <- i
	}
	close(next)
	wg.Wait()
	m := make(map[*Site]*tree, len(sites))
	for i, s := range sites {
		m[s] = out[i]
	}
	return m
}

// path is the plane line from node v to the tree's source, following the
// tree. A door where its site joins the walkways gets the line from that
// point to itself: a GeoJSON LineString needs two positions.
func (n *Network) path(t *tree, v int32) orb.LineString {
	if v == t.src || t.prev[v] < 0 {
		return orb.LineString{n.pts[v], n.pts[v]}
	}
	ls := orb.LineString{n.pts[v]}
	for v != t.src && t.prev[v] >= 0 {
		e := &n.edges[t.prev[v]]
		v = e.other(v)
		ls = append(ls, n.pts[v])
	}
	return ls
}

// buildingCost is the mean cost from a building's reachable entrances to
// the tree's source: residents are taken to use each door alike.
func buildingCost(b *Building, t *tree) (float64, bool) { return doorMean(b, t, t.cost) }

// buildingLength is the mean walking length, along the tree's cheapest
// ways, from a building's reachable entrances.
func buildingLength(b *Building, t *tree) (float64, bool) {
	if t == nil {
		return 0, false
	}
	return doorMean(b, t, t.length)
}

// doorMean averages a per-node figure of tree t over the building's doors
// that t reaches.
func doorMean(b *Building, t *tree, per []float64) (float64, bool) {
	var sum float64
	k := 0
	for _, e := range b.Entrances {
		if e.node >= 0 && !math.IsInf(t.cost[e.node], 1) {
			sum += per[e.node]
			k++
		}
	}
	if k == 0 {
		return 0, false
	}
	return sum / float64(k), true
}
