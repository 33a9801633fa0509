package planner

import (
	"math"
	"runtime"
	"sync"

	"github.com/paulmach/orb"

	"natq/planner/internal/minheap"
)

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

// edgeCosts gives every edge its cost for a weather variant: its length in
// dry weather; in the wet, sheltered metres count once and uncovered metres
// rainFactor times.
func (n *Network) edgeCosts(v Variant, rainFactor float64) []float64 {
	c := make([]float64, len(n.edges))
	for i, e := range n.edges {
		c[i] = e.length
		if v == Wet && !e.sheltered {
			c[i] *= rainFactor
		}
	}
	return c
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
