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
			for v := e.node; t.prev[v] >= 0; v = n.edges[t.prev[v]].other(v) {
				used[s][t.prev[v]] = true
			}
			out = append(out, &Route{Variant: vp.Variant, Building: b, Entrance: e, Site: s, Direction: "to",
				Path: path, Length: t.length[e.node], Uncovered: t.uncovered[e.node]})
		}
	}
	vp.Entry, vp.Exit = map[*Site]Joint{}, map[*Site]Joint{}
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
			var exit Joint
			vp.Entry[s], exit, bt = vp.entryExit(n, s, bs, cost, used[s])
			vp.Exit[s] = exit
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

// entryExit places a site's line: its entry at the joint most of the
// site's residents arrive by, and its exit at a joint on another side of
// the site (where it has one) whose way back to the site's buildings
// shares the fewest metres with the ways there, so that the sampled and
// the unsampled do not meet (one-way flow); among equals, the shortest
// way back. It returns the way back's tree from the exit, under cost
// (the way there already weighed against).
func (vp *VariantPlan) entryExit(n *Network, s *Site, bs []*Building, cost []float64, there map[int32]bool) (entry, exit Joint, back *tree) {
	t := vp.trees[s]
	arrive := map[int32]float64{}
	for _, b := range bs {
		if vp.Site[b] != s {
			continue
		}
		var doors []int32
		for _, e := range b.Entrances {
			if e.node >= 0 && !math.IsInf(t.cost[e.node], 1) {
				doors = append(doors, e.node)
			}
		}
		for _, d := range doors {
			arrive[t.root[d]] += float64(vp.load[b]) / float64(len(doors))
		}
	}
	entry = s.joints[0]
	for _, j := range s.joints {
		if arrive[j.node] > arrive[entry.node] {
			entry = j
		}
	}
	type cand struct {
		j            Joint
		shared, walk float64
		t            *tree
	}
	var best *cand
	for _, j := range s.joints {
		if j.Side == entry.Side && len(s.sides()) > 1 {
			continue // another side there is: leave by it
		}
		if j.node == entry.node && len(s.joints) > 1 {
			continue
		}
		bt := n.shortest(j.node, cost)
		c := &cand{j: j, t: bt}
		for _, b := range bs {
			if vp.Site[b] != s {
				continue
			}
			for _, e := range b.Entrances {
				if e.node < 0 || math.IsInf(bt.cost[e.node], 1) {
					continue
				}
				c.walk += float64(vp.load[b]) * bt.length[e.node]
				for v := e.node; bt.prev[v] >= 0; v = n.edges[bt.prev[v]].other(v) {
					if there[bt.prev[v]] {
						c.shared += float64(vp.load[b]) * n.edges[bt.prev[v]].length
					}
				}
			}
		}
		if best == nil || c.shared < best.shared-1e-9 || math.Abs(c.shared-best.shared) <= 1e-9 && c.walk < best.walk {
			best = c
		}
	}
	if best == nil {
		return entry, entry, n.shortest(entry.node, cost)
	}
	return entry, best.j, best.t
}

// arrivalSides turns each site entered from several joints toward the one
// most residents would arrive by, were each building to walk to its
// nearest site in the dry, so that its line is laid out to start there:
// the site's Entry, which its layout's line start keeps near.
func arrivalSides(c *Compound) {
	var multi []*Site
	for _, s := range c.Sites {
		if len(s.joints) > 1 {
			multi = append(multi, s)
		}
	}
	if len(multi) == 0 {
		return
	}
	var joined []*Site
	for _, s := range c.Sites {
		if s.node >= 0 {
			joined = append(joined, s)
		}
	}
	trees := c.Net.treesFrom(joined, c.Net.edgeCosts(Dry, 1))
	arrive := map[int32]float64{}
	for _, b := range c.Buildings {
		var best *Site
		bc := math.Inf(1)
		for _, s := range joined {
			if l, ok := buildingCost(b, trees[s]); ok && l < bc {
				best, bc = s, l
			}
		}
		if best == nil || len(best.joints) < 2 {
			continue
		}
		t := trees[best]
		for _, e := range b.Entrances {
			if e.node >= 0 && !math.IsInf(t.cost[e.node], 1) {
				arrive[t.root[e.node]] += float64(b.Residents) / float64(len(b.Entrances))
			}
		}
	}
	for _, s := range multi {
		j := s.joints[0]
		for _, k := range s.joints {
			if arrive[k.node] > arrive[j.node] {
				j = k
			}
		}
		s.node, s.Entry = j.node, j.At
	}
}

// sides are the sides of the site's outline its joints are by.
func (s *Site) sides() map[int]bool {
	out := map[int]bool{}
	for _, j := range s.joints {
		out[j.Side] = true
	}
	return out
}

// A tree is the shortest-path tree of the network from one source (a site
// entry) under one cost: for every node the cost to reach it, the walkway
// metres and uncovered metres of that cheapest way, and the edge it was
// reached by.
type tree struct {
	src       int32 // the first source
	cost      []float64
	length    []float64
	uncovered []float64
	prev      []int32 // edge index, -1 at the sources and where unreached
	root      []int32 // the source each node's cheapest way leads to
}

// shortest computes the tree from src with Dijkstra's algorithm on a binary
// heap. The network is undirected, so the tree also gives every node's
// cheapest way to src.
func (n *Network) shortest(src int32, cost []float64) *tree {
	return n.shortestFrom([]int32{src}, cost)
}

// shortestFrom computes the tree from the nearest of several sources, all
// at cost 0: a site's joints, so that each door's way ends at the joint
// cheapest for it.
func (n *Network) shortestFrom(srcs []int32, cost []float64) *tree {
	nn := len(n.pts)
	t := &tree{src: srcs[0], cost: make([]float64, nn), length: make([]float64, nn), uncovered: make([]float64, nn), prev: make([]int32, nn), root: make([]int32, nn)}
	for i := range t.cost {
		t.cost[i], t.prev[i], t.root[i] = math.Inf(1), -1, -1
	}
	var h minheap.Heap
	for _, src := range srcs {
		t.cost[src], t.root[src] = 0, src
		h.Push(minheap.Item{Cost: 0, Node: src})
	}
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
				t.cost[w], t.prev[w], t.root[w] = nc, ei, t.root[v]
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

// jointNodes are the network nodes of the site's joints.
func (s *Site) jointNodes() []int32 {
	out := make([]int32, len(s.joints))
	for i, j := range s.joints {
		out[i] = j.node
	}
	return out
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
				out[i] = n.shortestFrom(sites[i].jointNodes(), cost)
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
	if t.prev[v] < 0 {
		return orb.LineString{n.pts[v], n.pts[v]}
	}
	ls := orb.LineString{n.pts[v]}
	for t.prev[v] >= 0 {
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
