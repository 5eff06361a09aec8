

// Parameters in

 any