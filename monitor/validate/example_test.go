package validate_test

import (
	"context"
	"fmt"
	"os"

	"github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/monitor/validate"
)

func ExampleValidate() {
	rules, err := validate.ParseRules("rules.toml", []byte(`
[columns.amount]
type = "float"
min = 0
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	r := table.FromRows([]string{"amount"}, [][]string{{"1.5"}, {"-2"}, {"x"}}, nil)
	rep, err := validate.Validate(context.Background(), r, rules, validate.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = rep.Write(os.Stdout)
	// Output:
	// FAIL  3 rows, 2 failures
	//   columns.amount.type  amount  1 value not of type float
	//     line 4                     "x"
	//   columns.amount.min   amount  1 value below min 0
	//     line 3                     "-2"
}
