// mimeo_peer: the same clustering job as `mimeo cluster`, done with ekzhu's
// minhash-lsh (Debian golang-github-ekzhu-minhash-lsh-dev), so the two can
// be timed side by side on one corpus. Build and run: bench/peer/build.sh,
// bench/compare.sh.
//
//	mimeo_peer -threshold 0.5 -perm 128 -shingle 5 docs.jsonl > clusters.jsonl
//
// Each JSONL line's "text" is lower-cased and split into words (runs of
// letters and digits); word k-grams are the shingles, as in mimeo. Sketches
// are computed on all cores; every document is added to the LSH index,
// which is then queried with every document; a candidate pair whose
// estimated Jaccard similarity reaches the threshold joins two clusters.
// Clusters of two or more documents are written as {"cluster", "size",
// "docs"} lines, the shape mimeo_score reads.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	minhashlsh "github.com/ekzhu/minhash-lsh"
)

type doc struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

func shingles(text string, k int) [][]byte {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return nil
	}
	if len(words) < k {
		return [][]byte{[]byte(strings.Join(words, " "))}
	}
	out := make([][]byte, 0, len(words)-k+1)
	for i := 0; i+k <= len(words); i++ {
		out = append(out, []byte(strings.Join(words[i:i+k], " ")))
	}
	return out
}

func find(parent []int, x int) int {
	for parent[x] != x {
		parent[x] = parent[parent[x]]
		x = parent[x]
	}
	return x
}

func main() {
	threshold := flag.Float64("threshold", 0.5, "Jaccard threshold of the LSH and of the check")
	perm := flag.Int("perm", 128, "MinHash permutations")
	k := flag.Int("shingle", 5, "words per shingle")
	seed := flag.Int64("seed", 1, "MinHash seed")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mimeo_peer [flags] docs.jsonl")
		os.Exit(2)
	}
	start := time.Now()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mimeo_peer: %v\n", err)
		os.Exit(2)
	}
	defer f.Close()

	var ids []string
	var bytes int64
	sigs := make([][]uint64, 0)
	lines := make(chan struct {
		i    int
		text string
	}, 1024)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < runtime.NumCPU(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range lines {
				m := minhashlsh.NewMinhash(*seed, *perm)
				for _, s := range shingles(l.text, *k) {
					m.Push(s)
				}
				sig := m.Signature()
				mu.Lock()
				sigs[l.i] = sig
				mu.Unlock()
			}
		}()
	}
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<30)
	for scanner.Scan() {
		var d doc
		if err := json.Unmarshal(scanner.Bytes(), &d); err != nil {
			fmt.Fprintf(os.Stderr, "mimeo_peer: line %d: %v\n", len(ids)+1, err)
			os.Exit(1)
		}
		bytes += int64(len(d.Text))
		mu.Lock()
		sigs = append(sigs, nil)
		mu.Unlock()
		lines <- struct {
			i    int
			text string
		}{len(ids), d.Text}
		ids = append(ids, d.ID)
	}
	close(lines)
	wg.Wait()
	if err := scanner.Err(); err != nil {
		fmt.Fprintf(os.Stderr, "mimeo_peer: %v\n", err)
		os.Exit(1)
	}
	sketched := time.Now()

	lsh := minhashlsh.NewMinhashLSH(*perm, *threshold)
	for i, sig := range sigs {
		lsh.Add(i, sig)
	}
	lsh.Index()
	parent := make([]int, len(ids))
	for i := range parent {
		parent[i] = i
	}
	for i, sig := range sigs {
		for _, c := range lsh.Query(sig) {
			j := c.(int)
			if j <= i {
				continue
			}
			equal := 0
			for p := range sig {
				if sig[p] == sigs[j][p] {
					equal++
				}
			}
			if float64(equal)/float64(len(sig)) >= *threshold {
				parent[find(parent, i)] = find(parent, j)
			}
		}
	}
	groups := map[int][]int{}
	for i := range ids {
		r := find(parent, i)
		groups[r] = append(groups[r], i)
	}
	var clusters [][]int
	for _, g := range groups {
		if len(g) > 1 {
			clusters = append(clusters, g)
		}
	}
	sort.Slice(clusters, func(a, b int) bool { return clusters[a][0] < clusters[b][0] })
	out := bufio.NewWriter(os.Stdout)
	for n, g := range clusters {
		names := make([]string, len(g))
		for i, d := range g {
			names[i] = ids[d]
		}
		line, _ := json.Marshal(map[string]interface{}{"cluster": n, "size": len(g), "docs": names})
		out.Write(line)
		out.WriteByte('\n')
	}
	out.Flush()
	seconds := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "mimeo_peer: %d docs, %.1f MB, %d clusters, sketch %.2f s, total %.2f s, %.1f MB/s\n",
		len(ids), float64(bytes)/1e6, len(clusters), sketched.Sub(start).Seconds(), seconds,
		float64(bytes)/1e6/seconds)
}
