package inventory

// LayerOf returns the layer that introduced p, or nil when unknown.
func (inv *Inventory) LayerOf(p *Package) *Layer {
	if p.Layer < 0 || p.Layer >= len(inv.Layers) {
		return nil
	}
	return &inv.Layers[p.Layer]
}
