

// A concat of two 

func.func @c