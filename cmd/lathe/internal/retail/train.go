package retail

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"sort"
)

// Split is the interactions of each user, as distinct item sets: Train to
// fit on, Test held out.
type Split struct {
	Users, Items int
	Train        [][]int // per user, distinct items
	Test         [][]int
}

// HoldOut splits each customer's distinct purchases by first purchase time:
// the last fraction (at least one item) is held out for customers with at
// least three distinct items; others keep everything for training.
func HoldOut(d *Dataset, fraction float64) *Split {
	s := &Split{Users: len(d.Customers), Items: len(d.Items),
		Train: make([][]int, len(d.Customers)), Test: make([][]int, len(d.Customers))}
	seq := make([][]int, len(d.Customers))
	seen := make([]map[int]bool, len(d.Customers))
	for _, e := range d.Events { // sorted by time
		if seen[e.Customer] == nil {
			seen[e.Customer] = map[int]bool{}
		}
		if !seen[e.Customer][e.Item] {
			seen[e.Customer][e.Item] = true
			seq[e.Customer] = append(seq[e.Customer], e.Item)
		}
	}
	for u, items := range seq {
		n := len(items)
		if n < 3 {
			s.Train[u] = items
			continue
		}
		k := max(1, int(math.Round(float64(n)*fraction)))
		s.Train[u] = items[:n-k]
		s.Test[u] = items[n-k:]
	}
	return s
}

// Scorer scores every item for a user.
type Scorer interface {
	Scores(u int, out []float64)
}

// Popularity recommends the items bought by most customers in training.
type Popularity struct{ Count []float64 }

// FitPopularity counts, for each item, the customers who bought it.
func FitPopularity(s *Split) *Popularity {
	p := &Popularity{Count: make([]float64, s.Items)}
	for _, items := range s.Train {
		for _, i := range items {
			p.Count[i]++
		}
	}
	return p
}

// Scores implements Scorer.
func (p *Popularity) Scores(_ int, out []float64) { copy(out, p.Count) }

// MF is a matrix-factorisation model: score(u,i) = P[u]·Q[i] + B[i].
type MF struct {
	Factors int         `json:"factors"`
	P       [][]float64 `json:"user_factors"`
	Q       [][]float64 `json:"item_factors"`
	B       []float64   `json:"item_bias"`
}

// Scores implements Scorer.
func (m *MF) Scores(u int, out []float64) {
	pu := m.P[u]
	for i, qi := range m.Q {
		s := m.B[i]
		for f, v := range qi {
			s += pu[f] * v
		}
		out[i] = s
	}
}

// BPRConfig are BPR's hyperparameters.
type BPRConfig struct {
	Factors int
	LR      float64
	Reg     float64
	Epochs  int
	Seed    uint64
}

// Epoch is what one epoch of training reports.
type Epoch struct {
	Epoch int
	Loss  float64 // mean BPR loss, -ln σ(x_uij), over the epoch's samples
}

// TrainBPR fits MF by Bayesian personalised ranking with SGD: each epoch
// draws as many (user, bought item, not-bought item) triples as there are
// training interactions and pushes the bought item's score above the other.
// onEpoch, when not nil, is called after each epoch.
func TrainBPR(s *Split, c BPRConfig, onEpoch func(Epoch, *MF)) *MF {
	rng := rand.New(rand.NewPCG(c.Seed, 0xb9))
	m := &MF{Factors: c.Factors, P: make([][]float64, s.Users), Q: make([][]float64, s.Items), B: make([]float64, s.Items)}
	for u := range m.P {
		m.P[u] = make([]float64, c.Factors)
		for f := range m.P[u] {
			m.P[u][f] = rng.NormFloat64() * 0.1
		}
	}
	for i := range m.Q {
		m.Q[i] = make([]float64, c.Factors)
		for f := range m.Q[i] {
			m.Q[i][f] = rng.NormFloat64() * 0.1
		}
	}
	type pair struct{ u, i int }
	var pairs []pair
	owned := make([]map[int]bool, s.Users)
	for u, items := range s.Train {
		owned[u] = make(map[int]bool, len(items))
		for _, i := range items {
			pairs = append(pairs, pair{u, i})
			owned[u][i] = true
		}
	}
	if len(pairs) == 0 || s.Items < 2 {
		return m
	}
	diff := make([]float64, c.Factors)
	for ep := range c.Epochs {
		var total float64
		for range len(pairs) {
			pr := pairs[rng.IntN(len(pairs))]
			u, i := pr.u, pr.i
			j := rng.IntN(s.Items)
			for tries := 0; owned[u][j] && tries < 20; tries++ {
				j = rng.IntN(s.Items)
			}
			if owned[u][j] {
				continue
			}
			pu, qi, qj := m.P[u], m.Q[i], m.Q[j]
			x := m.B[i] - m.B[j]
			for f := range diff {
				diff[f] = qi[f] - qj[f]
				x += pu[f] * diff[f]
			}
			total += softplus(-x) // -ln σ(x)
			g := sigmoid(-x)
			for f := range diff {
				p := pu[f]
				pu[f] += c.LR * (g*diff[f] - c.Reg*p)
				qi[f] += c.LR * (g*p - c.Reg*qi[f])
				qj[f] += c.LR * (-g*p - c.Reg*qj[f])
			}
			m.B[i] += c.LR * (g - c.Reg*m.B[i])
			m.B[j] += c.LR * (-g - c.Reg*m.B[j])
		}
		if onEpoch != nil {
			onEpoch(Epoch{Epoch: ep + 1, Loss: total / float64(len(pairs))}, m)
		}
	}
	return m
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// softplus is ln(1+e^x), computed without overflow.
func softplus(x float64) float64 {
	if x > 30 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// Save writes the model as JSON to path.
func (m *MF) Save(path string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// TopK returns the indexes of the k highest scores, skipping excluded
// items, best first (ties by lower index).
func TopK(scores []float64, k int, exclude map[int]bool) []int {
	idx := make([]int, 0, len(scores))
	for i := range scores {
		if !exclude[i] {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	if len(idx) > k {
		idx = idx[:k]
	}
	return idx
}

// PrecisionAtK is the share of the first k recommendations that are
// relevant (divided by k even when fewer were recommended).
func PrecisionAtK(ranked []int, relevant map[int]bool, k int) float64 {
	if k <= 0 {
		return 0
	}
	return float64(hits(ranked, relevant, k)) / float64(k)
}

// RecallAtK is the share of the relevant items among the first k.
func RecallAtK(ranked []int, relevant map[int]bool, k int) float64 {
	if len(relevant) == 0 {
		return 0
	}
	return float64(hits(ranked, relevant, k)) / float64(len(relevant))
}

// NDCGAtK is the discounted cumulative gain of the first k with binary
// relevance, over the gain of an ideal ranking.
func NDCGAtK(ranked []int, relevant map[int]bool, k int) float64 {
	var dcg, ideal float64
	for r := 0; r < k && r < len(ranked); r++ {
		if relevant[ranked[r]] {
			dcg += 1 / math.Log2(float64(r+2))
		}
	}
	for r := 0; r < k && r < len(relevant); r++ {
		ideal += 1 / math.Log2(float64(r+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

func hits(ranked []int, relevant map[int]bool, k int) int {
	n := 0
	for r := 0; r < k && r < len(ranked); r++ {
		if relevant[ranked[r]] {
			n++
		}
	}
	return n
}

// Metrics are ranking metrics averaged over the users with held-out items.
type Metrics struct {
	Precision, Recall, NDCG float64
	Users                   int
}

// Evaluate ranks every item for each user with held-out items, leaving out
// the user's training items, and averages the metrics at k.
func Evaluate(m Scorer, s *Split, k int) Metrics {
	var out Metrics
	scores := make([]float64, s.Items)
	for u, test := range s.Test {
		if len(test) == 0 {
			continue
		}
		m.Scores(u, scores)
		ex := make(map[int]bool, len(s.Train[u]))
		for _, i := range s.Train[u] {
			ex[i] = true
		}
		rel := make(map[int]bool, len(test))
		for _, i := range test {
			rel[i] = true
		}
		ranked := TopK(scores, k, ex)
		out.Precision += PrecisionAtK(ranked, rel, k)
		out.Recall += RecallAtK(ranked, rel, k)
		out.NDCG += NDCGAtK(ranked, rel, k)
		out.Users++
	}
	if out.Users > 0 {
		n := float64(out.Users)
		out.Precision /= n
		out.Recall /= n
		out.NDCG /= n
	}
	return out
}
