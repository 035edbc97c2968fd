package datasets_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// retailCSV is n rows of a small purchases table; shift moves the amounts
// up, as a later, drifted version would.
func retailCSV(n int, shift float64) string {
	var b strings.Builder
	b.WriteString("customer_id,amount,region,ts\n")
	regions := []string{"north", "south", "east", "west", "north", "north"}
	for i := 0; i < n; i++ {
		amount := fmt.Sprintf("%.2f", float64((i*37)%100)/4+shift)
		if i%11 == 5 {
			amount = ""
		}
		fmt.Fprintf(&b, "%d,%s,%s,2025-03-%02dT10:00:00Z\n", 1000+i, amount, regions[i%len(regions)], 1+i%28)
	}
	return b.String()
}

const profileV1 = `{"rows":40,"exact":true,"columns":[
{"name":"customer_id","type":"int","count":40,"nulls":0,"distinct":40,"distinct_exact":true,"min":1000,"max":1039,"mean":1019.5,"std":11.69,"p1":1000.39,"p5":1001.95,"p25":1009.75,"p50":1019.5,"p75":1029.25,"p95":1037.05,"p99":1038.61,
 "histogram":{"edges":[1000,1007.8,1015.6,1023.4,1031.2,1039],"counts":[8,8,8,8,8],"exact":true}},
{"name":"amount","type":"float","count":36,"nulls":4,"distinct":33,"distinct_exact":true,"min":0,"max":24.75,"mean":12.1,"std":7.35,"p1":0.25,"p5":1,"p25":6,"p50":12.25,"p75":18.5,"p95":23.5,"p99":24.5,
 "histogram":{"edges":[0,2.475,4.95,7.425,9.9,12.375,14.85,17.325,19.8,22.275,24.75],"counts":[3,4,3,4,5,3,4,3,4,3],"exact":true}},
{"name":"region","type":"categorical","count":40,"nulls":0,"distinct":4,"distinct_exact":true,"top":[{"value":"north","count":20},{"value":"south","count":7},{"value":"east","count":7},{"value":"west","count":6}],"top_exact":true},
{"name":"ts","type":"timestamp","count":40,"nulls":0,"distinct":28,"distinct_exact":true,"min":"2025-03-01T10:00:00Z","max":"2025-03-28T10:00:00Z"}]}`

const profileV2 = `{"rows":60,"exact":true,"warnings":["ts: 2 values are not timestamps, read as text"],"columns":[
{"name":"customer_id","type":"int","count":60,"nulls":0,"distinct":60,"distinct_exact":true,"min":1000,"max":1059,"mean":1029.5,"std":17.46,"p50":1029.5,
 "histogram":{"edges":[1000,1011.8,1023.6,1035.4,1047.2,1059],"counts":[12,12,12,12,12],"exact":true}},
{"name":"amount","type":"float","count":54,"nulls":6,"distinct":50,"distinct_exact":true,"min":5,"max":29.75,"mean":17.3,"std":7.2,"p50":17.5,
 "histogram":{"edges":[5,7.475,9.95,12.425,14.9,17.375,19.85,22.325,24.8,27.275,29.75],"counts":[5,6,5,6,7,5,6,5,5,4],"exact":true}},
{"name":"region","type":"categorical","count":60,"nulls":0,"distinct":4,"distinct_exact":true,"top":[{"value":"north","count":30},{"value":"south","count":10},{"value":"east","count":10},{"value":"west","count":10}],"top_exact":true},
{"name":"ts","type":"timestamp","count":60,"nulls":0,"distinct":28,"distinct_exact":true,"min":"2025-03-01T10:00:00Z","max":"2025-03-28T10:00:00Z"}]}`

const reportV2 = `{"passed":false,"rows":60,"failures":[
{"rule":"columns.amount.not_null","column":"amount","message":"6 null values","count":6,"examples":[{"line":7,"value":""}]},
{"rule":"columns.amount.max","column":"amount","message":"3 values above max 28","count":3,"examples":[{"line":12,"value":"29.75"}]}]}`

// seed is testutil's store plus two datasets: retail v1 (alias reference,
// validated, used by baseline and wide-lr), v2 (alias current, failed
// validation) and clicks v1 (no profile).
func seed(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := testutil.Seed(t)
	dir := t.TempDir()
	add := func(name, file, body, profile, alias, status, report, msg string, rows int64) *store.DataVersion {
		p := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		b, _, err := st.PutBlobFile(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := st.AddDataVersion(ctx, store.DataVersionCreate{Name: name, Message: msg, Format: "csv", Alias: alias, Rows: rows,
			Files: []store.DataFile{{Path: filepath.Base(file), Hash: b.Hash, Size: b.Size}}, Profile: profile,
			Validation: report, ValidationStatus: status})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v1 := add("retail", "v1/retail.csv", retailCSV(40, 0), profileV1, "reference", store.ValidationPassed,
		`{"passed":true,"rows":40,"failures":[]}`, "first export", 40)
	add("retail", "v2/retail.csv", retailCSV(60, 5), profileV2, "current", store.ValidationFailed, reportV2, "march, shifted prices", 60)
	add("clicks", "clicks.csv", "user,item\n1,2\n3,4\n", "", "", "", "", "", 2)
	for _, run := range []string{"baseline", "wide-lr"} {
		if err := st.RecordRunDataInputs(ctx, testutil.ID(run), []*store.DataVersion{v1}, "training"); err != nil {
			t.Fatal(err)
		}
	}
	return st
}
