package retail

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// PurchasesFile is the name of the one-table form of a data set: one row
// per purchase with the customer's segment and the item's category and
// price, the table lathe versions, profiles and checks for drift.
const PurchasesFile = "purchases.csv"

var purchasesHeader = []string{"customer_id", "segment", "item_id", "category", "price", "day"}

// WritePurchases writes the data set as one CSV table to path.
func (d *Dataset) WritePurchases(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(purchasesHeader)
	itoa := strconv.Itoa
	for _, e := range d.Events {
		it := d.Items[e.Item]
		_ = w.Write([]string{itoa(e.Customer), SegmentName(d.Customers[e.Customer].Segment), itoa(e.Item),
			"cat-" + itoa(it.Category), strconv.FormatFloat(it.Price, 'f', 2, 64), itoa(e.Time)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadPurchases reads what WritePurchases wrote. Customers and items are
// numbered by their ids; an item nobody bought is in Items with its zero
// category and price.
func ReadPurchases(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if strings.Join(head, ",") != strings.Join(purchasesHeader, ",") {
		return nil, fmt.Errorf("%s: header %q, want %q", path, strings.Join(head, ","), strings.Join(purchasesHeader, ","))
	}
	d := &Dataset{}
	segs := map[string]int{}
	for _, name := range segmentNames {
		segs[name] = len(segs)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		u, err1 := strconv.Atoi(rec[0])
		i, err2 := strconv.Atoi(rec[2])
		day, err3 := strconv.Atoi(rec[5])
		cat, err4 := strconv.Atoi(strings.TrimPrefix(rec[3], "cat-"))
		price, err5 := strconv.ParseFloat(rec[4], 64)
		seg, ok := segs[rec[1]]
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil || !ok || u < 0 || i < 0 || u > 1e7 || i > 1e7 {
			return nil, fmt.Errorf("%s: line %d: malformed purchase %q", path, line, strings.Join(rec, ","))
		}
		for len(d.Customers) <= u {
			d.Customers = append(d.Customers, Customer{ID: len(d.Customers)})
		}
		for len(d.Items) <= i {
			d.Items = append(d.Items, Item{ID: len(d.Items)})
		}
		d.Customers[u].Segment = seg
		d.Items[i].Category, d.Items[i].Price = cat, price
		d.Events = append(d.Events, Event{Customer: u, Item: i, Time: day})
	}
	if len(d.Events) == 0 {
		return nil, fmt.Errorf("%s: no purchases", path)
	}
	return d, nil
}
