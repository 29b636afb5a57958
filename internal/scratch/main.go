package main

import (
	"fmt"
	"net"
	"os"

	"github.com/stripesql/stripesql/engine"
	"github.com/stripesql/stripesql/tables"
)

func main() {
	c := tables.NewClient(tables.ClientOptions{APIKey: "sk_test_123", URL: os.Args[1]})
	ln, _ := net.Listen("tcp", "127.0.0.1:3399")
	s, err := engine.New(engine.Config{Listener: ln, Accounts: []engine.Account{{Database: "stripe", Client: c}}})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Serve())
}
