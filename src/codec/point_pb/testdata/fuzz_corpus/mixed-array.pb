
8
bad1
m:,
type.googleapis.com/point.Array	

2x