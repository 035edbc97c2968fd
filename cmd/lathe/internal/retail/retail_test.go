package retail

import (
	"math"
	"os"
	"reflect"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func set(items ...int) map[int]bool {
	m := map[int]bool{}
	for _, i := range items {
		m[i] = true
	}
	return m
}

func TestMetricsHandComputed(t *testing.T) {
	ranked := []int{5, 3, 9, 1}
	rel := set(3, 1, 7)
	// Hits at ranks 2 and 4 of k=4.
	if got := PrecisionAtK(ranked, rel, 4); !near(got, 0.5) {
		t.Errorf("precision@4 = %v, want 0.5", got)
	}
	if got := RecallAtK(ranked, rel, 4); !near(got, 2.0/3) {
		t.Errorf("recall@4 = %v, want 2/3", got)
	}
	dcg := 1/math.Log2(3) + 1/math.Log2(5)
	ideal := 1 + 1/math.Log2(3) + 1/math.Log2(4)
	if got := NDCGAtK(ranked, rel, 4); !near(got, dcg/ideal) {
		t.Errorf("ndcg@4 = %v, want %v", got, dcg/ideal)
	}
	if got := NDCGAtK([]int{1, 2}, set(1, 2), 2); !near(got, 1) {
		t.Errorf("perfect ndcg = %v", got)
	}
	if got := PrecisionAtK([]int{4}, set(4), 2); !near(got, 0.5) {
		t.Errorf("short list precision@2 = %v, want 0.5", got)
	}
	if got := RecallAtK(ranked, set(), 4); got != 0 {
		t.Errorf("recall with nothing relevant = %v", got)
	}
	if got := TopK([]float64{0.1, 0.9, 0.5, 0.9}, 2, set(1)); !reflect.DeepEqual(got, []int{3, 2}) {
		t.Errorf("TopK = %v", got)
	}
}

func TestGenerateDeterministicAndRoundTrip(t *testing.T) {
	c := SmallConfig()
	a, b := Generate(c), Generate(c)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different data")
	}
	dir := t.TempDir()
	if _, err := a.WriteCSV(dir); err != nil {
		t.Fatal(err)
	}
	r, err := ReadCSV(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Events) != len(a.Events) || len(r.Items) != c.Items || len(r.Customers) != c.Customers {
		t.Fatalf("round trip: %d events %d items %d customers", len(r.Events), len(r.Items), len(r.Customers))
	}
	if !reflect.DeepEqual(r.Events, a.Events) {
		t.Fatal("events differ after the round trip")
	}
}

// planted: two groups of users, each buying only from its own half of the
// items; popularity cannot tell the halves apart, MF can.
func planted() *Split {
	const users, items = 60, 20
	s := &Split{Users: users, Items: items, Train: make([][]int, users), Test: make([][]int, users)}
	for u := range users {
		off := (u % 2) * 10
		for k := range 10 {
			it := off + (k+u)%10
			if k < 7 {
				s.Train[u] = append(s.Train[u], it)
			} else {
				s.Test[u] = append(s.Test[u], it)
			}
		}
	}
	return s
}

func TestBPRLearnsPlantedPreference(t *testing.T) {
	s := planted()
	var losses []float64
	m := TrainBPR(s, BPRConfig{Factors: 4, LR: 0.05, Reg: 0.001, Epochs: 40, Seed: 1},
		func(e Epoch, _ *MF) { losses = append(losses, e.Loss) })
	if len(losses) != 40 || !(losses[len(losses)-1] < losses[0]*0.5) {
		t.Fatalf("loss did not decrease: first %v last %v", losses[0], losses[len(losses)-1])
	}
	mf := Evaluate(m, s, 3)
	pop := Evaluate(FitPopularity(s), s, 3)
	if !(mf.NDCG > pop.NDCG+0.2) || !(mf.Precision > pop.Precision) {
		t.Fatalf("MF %+v does not beat popularity %+v", mf, pop)
	}
}

func TestBPRBeatsPopularityOnGenerated(t *testing.T) {
	d := Generate(SmallConfig())
	s := HoldOut(d, 0.2)
	m := TrainBPR(s, BPRConfig{Factors: 8, LR: 0.05, Reg: 0.01, Epochs: 30, Seed: 1}, nil)
	mf, pop := Evaluate(m, s, 10), Evaluate(FitPopularity(s), s, 10)
	t.Logf("mf %+v pop %+v", mf, pop)
	if mf.Users == 0 || mf.NDCG <= pop.NDCG {
		t.Fatalf("MF %+v does not beat popularity %+v", mf, pop)
	}
}

func TestPurchasesRoundTripAndShift(t *testing.T) {
	c := SmallConfig()
	d := Generate(c)
	p := t.TempDir() + "/" + PurchasesFile
	if err := d.WritePurchases(p); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPurchases(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Events) != len(d.Events) || !reflect.DeepEqual(back.Events, d.Events) {
		t.Fatalf("events differ after the round trip: %d vs %d", len(back.Events), len(d.Events))
	}
	for _, e := range d.Events {
		if back.Items[e.Item] != d.Items[e.Item] || back.Customers[e.Customer] != d.Customers[e.Customer] {
			t.Fatalf("item %d or customer %d differs", e.Item, e.Customer)
		}
	}
	c.Period = 1
	later := Generate(c)
	share := func(d *Dataset) float64 {
		n := 0
		for _, cu := range d.Customers {
			if cu.Segment == 0 {
				n++
			}
		}
		return float64(n) / float64(len(d.Customers))
	}
	if share(later) < share(d)+0.2 {
		t.Errorf("the later period should have many more bargain customers: %.2f vs %.2f", share(later), share(d))
	}
	if later.Items[0].Price <= d.Items[0].Price || later.Items[0].Category != d.Items[0].Category {
		t.Errorf("later prices should rise on the same catalogue: %+v vs %+v", later.Items[0], d.Items[0])
	}
	if later.Events[0].Time < 365 {
		t.Errorf("later days should follow the reference year: %d", later.Events[0].Time)
	}
}

func TestReadPurchasesRejectsMalformed(t *testing.T) {
	p := t.TempDir() + "/p.csv"
	for name, body := range map[string]string{
		"bad header": "a,b\n1,2\n",
		"bad price":  "customer_id,segment,item_id,category,price,day\n1,bargain,2,cat-1,x,3\n",
		"no rows":    "customer_id,segment,item_id,category,price,day\n",
	} {
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadPurchases(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
