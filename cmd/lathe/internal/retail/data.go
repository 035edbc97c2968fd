// Package retail generates a seeded synthetic retail data set (customers in
// segments, items with a Zipf-like popularity skew, purchase events) and
// trains small implicit-feedback recommenders on it: a popularity baseline
// and matrix factorisation with BPR, evaluated with precision, recall and
// NDCG at K on a held-out split. It is the engine of `lathe demo`.
package retail

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Config sizes a generated data set.
type Config struct {
	Seed       uint64
	Customers  int
	Items      int
	Segments   int
	Categories int
	// EventsPerCustomer is the mean number of purchases per customer.
	EventsPerCustomer int
	// Period 0 is the reference extract. A later period (1, 2, ...) keeps
	// the catalogue (items, categories, segment tastes) but shifts customer
	// behaviour: more bargain hunters, prices up 15% a period, days
	// counted on from the previous year. It is what drift detection sees.
	Period int
}

// DefaultConfig is the demo's size: 2,000 customers, 500 items, ~50k events.
func DefaultConfig() Config {
	return Config{Seed: 7, Customers: 2000, Items: 500, Segments: 4, Categories: 10, EventsPerCustomer: 25}
}

// SmallConfig is a quick size for tests.
func SmallConfig() Config {
	return Config{Seed: 7, Customers: 200, Items: 80, Segments: 3, Categories: 6, EventsPerCustomer: 15}
}

// Customer is one shopper.
type Customer struct {
	ID      int
	Segment int
}

// Item is one product.
type Item struct {
	ID       int
	Category int
	Price    float64
}

// Event is one purchase: customer bought item at time Time (a day number).
type Event struct {
	Customer int
	Item     int
	Time     int
}

// Dataset is customers, items and events, events sorted by time.
type Dataset struct {
	Customers []Customer
	Items     []Item
	Events    []Event
}

var segmentNames = []string{"bargain", "family", "gourmet", "tech", "outdoor", "student", "luxury", "health"}

// SegmentName is a readable name for segment s.
func SegmentName(s int) string {
	if s < len(segmentNames) {
		return segmentNames[s]
	}
	return "segment-" + strconv.Itoa(s)
}

// Generate builds a data set, the same for the same Config on every machine.
// Item popularity follows 1/rank^0.9; each segment strongly prefers two
// categories, so who a customer is predicts what they buy beyond
// popularity.
func Generate(c Config) *Dataset {
	rng := rand.New(rand.NewPCG(c.Seed, 0x7e7a11))
	d := &Dataset{}
	for i := range c.Items {
		d.Items = append(d.Items, Item{ID: i, Category: rng.IntN(c.Categories),
			Price: math.Round((2+rng.ExpFloat64()*20)*100) / 100})
	}
	rank := rng.Perm(c.Items)
	pop := make([]float64, c.Items)
	for i := range pop {
		pop[i] = 1 / math.Pow(float64(rank[i]+1), 0.9)
	}
	// Segment preferences over categories: a low base, two favourites.
	pref := make([][]float64, c.Segments)
	for s := range pref {
		pref[s] = make([]float64, c.Categories)
		for k := range pref[s] {
			pref[s][k] = 0.05 + 0.1*rng.Float64()
		}
		for range 2 {
			pref[s][rng.IntN(c.Categories)] += 3
		}
	}
	// Cumulative item distribution per segment.
	cum := make([][]float64, c.Segments)
	for s := range cum {
		cum[s] = make([]float64, c.Items)
		total := 0.0
		for i, it := range d.Items {
			total += pop[i] * pref[s][it.Category]
			cum[s][i] = total
		}
		for i := range cum[s] {
			cum[s][i] /= total
		}
	}
	prices := 1.0
	if c.Period > 0 {
		// A later extract: its own draws, a shifted segment mix.
		rng = rand.New(rand.NewPCG(c.Seed+uint64(c.Period), 0x1a7e5))
		prices = math.Pow(1.15, float64(c.Period))
		for i := range d.Items {
			d.Items[i].Price = math.Round(d.Items[i].Price*prices*100) / 100
		}
	}
	for u := range c.Customers {
		seg := rng.IntN(c.Segments)
		if c.Period > 0 && rng.Float64() < 0.4 {
			seg = 0 // the bargain segment grows
		}
		d.Customers = append(d.Customers, Customer{ID: u, Segment: seg})
		n := 3 + rng.IntN(2*c.EventsPerCustomer-5)
		// Each customer also has a personal favourite category.
		fav := rng.IntN(c.Categories)
		for range n {
			var it int
			for {
				it = sort.SearchFloat64s(cum[seg], rng.Float64())
				if it >= c.Items {
					it = c.Items - 1
				}
				if d.Items[it].Category == fav || rng.Float64() < 0.7 {
					break
				}
			}
			d.Events = append(d.Events, Event{Customer: u, Item: it, Time: 365*c.Period + rng.IntN(365)})
		}
	}
	sort.SliceStable(d.Events, func(i, j int) bool { return d.Events[i].Time < d.Events[j].Time })
	return d
}

// File names in a data directory.
const (
	CustomersFile = "customers.csv"
	ItemsFile     = "items.csv"
	EventsFile    = "events.csv"
)

// WriteCSV writes the data set as three CSV files in dir and returns their
// paths (customers, items, events).
func (d *Dataset) WriteCSV(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	write := func(name string, header []string, rows func(yield func([]string))) error {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		_ = w.Write(header)
		rows(func(r []string) { _ = w.Write(r) })
		w.Flush()
		if err := w.Error(); err != nil {
			f.Close()
			return err
		}
		paths = append(paths, p)
		return f.Close()
	}
	itoa := strconv.Itoa
	if err := write(CustomersFile, []string{"customer_id", "segment"}, func(y func([]string)) {
		for _, c := range d.Customers {
			y([]string{itoa(c.ID), SegmentName(c.Segment)})
		}
	}); err != nil {
		return nil, err
	}
	if err := write(ItemsFile, []string{"item_id", "category", "price"}, func(y func([]string)) {
		for _, it := range d.Items {
			y([]string{itoa(it.ID), "cat-" + itoa(it.Category), strconv.FormatFloat(it.Price, 'f', 2, 64)})
		}
	}); err != nil {
		return nil, err
	}
	if err := write(EventsFile, []string{"customer_id", "item_id", "day"}, func(y func([]string)) {
		for _, e := range d.Events {
			y([]string{itoa(e.Customer), itoa(e.Item), itoa(e.Time)})
		}
	}); err != nil {
		return nil, err
	}
	return paths, nil
}

// ReadCSV reads what WriteCSV wrote in dir.
func ReadCSV(dir string) (*Dataset, error) {
	d := &Dataset{}
	read := func(name string, row func([]string) error) error {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		if _, err := r.Read(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := row(rec); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	segs := map[string]int{}
	if err := read(CustomersFile, func(r []string) error {
		id, err := strconv.Atoi(r[0])
		if err != nil || id != len(d.Customers) {
			return fmt.Errorf("bad customer id %q", r[0])
		}
		s, ok := segs[r[1]]
		if !ok {
			s = len(segs)
			segs[r[1]] = s
		}
		d.Customers = append(d.Customers, Customer{ID: id, Segment: s})
		return nil
	}); err != nil {
		return nil, err
	}
	if err := read(ItemsFile, func(r []string) error {
		id, err := strconv.Atoi(r[0])
		if err != nil || id != len(d.Items) {
			return fmt.Errorf("bad item id %q", r[0])
		}
		cat, _ := strconv.Atoi(r[1][len("cat-"):])
		p, _ := strconv.ParseFloat(r[2], 64)
		d.Items = append(d.Items, Item{ID: id, Category: cat, Price: p})
		return nil
	}); err != nil {
		return nil, err
	}
	if err := read(EventsFile, func(r []string) error {
		u, err1 := strconv.Atoi(r[0])
		i, err2 := strconv.Atoi(r[1])
		t, err3 := strconv.Atoi(r[2])
		if err1 != nil || err2 != nil || err3 != nil || u < 0 || u >= len(d.Customers) || i < 0 || i >= len(d.Items) {
			return fmt.Errorf("bad event %v", r)
		}
		d.Events = append(d.Events, Event{Customer: u, Item: i, Time: t})
		return nil
	}); err != nil {
		return nil, err
	}
	return d, nil
}
