package datadiff_test

import (
	"context"
	"fmt"
	"os"

	"github.com/lathe-ml/lathe/monitor/datadiff"
	"github.com/lathe-ml/lathe/monitor/table"
)

func ExampleCompare() {
	ref := table.FromRows([]string{"segment", "old"}, [][]string{{"a", "1"}, {"b", "2"}, {"a", "3"}}, nil)
	cur := table.FromRows([]string{"segment", "new"}, [][]string{{"a", "x"}, {"c", "y"}, {"a", "z"}}, nil)
	rep, err := datadiff.Compare(context.Background(), ref, cur, datadiff.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rep.Write(os.Stdout)
	// Output:
	// reference: 3 rows; current: 3 rows
	// added columns: new
	// removed columns: old
	// COLUMN   TYPE         METHOD     STATISTIC  P-VALUE  THRESHOLD  DRIFT
	// segment  categorical  chisquare  1          0.3173   0.05       DRIFT (1 unseen: "c")
	// 1 of 1 tested columns drifted (100%)
}
