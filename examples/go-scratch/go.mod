module gallery/go-scratch

go 1.19
