//! How an array is laid out over a grid of devices: the abstract picture
//! that the lowering turns into the partitioner's annotations (their text
//! form lives in `rjax-lower`'s `sharding` module alone).

/// An array's layout over a device grid: each array dimension is split
/// into blocks along some mesh axes; the mesh axes that split no dimension
/// replicate the array. Partition `p` (the program's `p`-th device) sits
/// at the row-major coordinates of `p` in the grid.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MeshSharding {
    /// The sizes of the grid's axes.
    pub mesh_shape: Vec<usize>,
    /// For each array dimension, the mesh axes (indices into
    /// `mesh_shape`) that split it, major first.
    pub dim_axes: Vec<Vec<usize>>,
    /// The device (index among the client's devices) of each partition:
    /// where the program runs, not part of the annotation.
    pub devices: Vec<usize>,
}

impl MeshSharding {
    /// How many devices the grid holds.
    pub fn num_devices(&self) -> usize {
        self.mesh_shape.iter().product()
    }

    /// How many blocks each array dimension is split into.
    pub fn tiles(&self) -> Vec<usize> {
        self.dim_axes
            .iter()
            .map(|axes| axes.iter().map(|&a| self.mesh_shape[a]).product())
            .collect()
    }

    /// The mesh axes that split no dimension, in mesh order.
    pub fn replicated_axes(&self) -> Vec<usize> {
        (0..self.mesh_shape.len())
            .filter(|a| !self.dim_axes.iter().any(|axes| axes.contains(a)))
            .collect()
    }

    /// Whether every device holds the whole array.
    pub fn is_replicated(&self) -> bool {
        self.tiles().iter().all(|&t| t == 1)
    }

    /// The coordinates of partition `p` in the grid.
    pub fn coordinates(&self, p: usize) -> Vec<usize> {
        let mut rest = p;
        let mut coords = vec![0; self.mesh_shape.len()];
        for (c, &n) in coords.iter_mut().zip(&self.mesh_shape).rev() {
            *c = rest % n;
            rest /= n;
        }
        coords
    }

    /// The index, along each dimension, of the block partition `p` holds.
    pub fn block_of(&self, p: usize) -> Vec<usize> {
        let coords = self.coordinates(p);
        self.dim_axes
            .iter()
            .map(|axes| Self::fold(axes, &coords, &self.mesh_shape))
            .collect()
    }

    /// Which copy of its block partition `p` holds (its position along the
    /// replicating axes).
    pub fn replica_of(&self, p: usize) -> usize {
        let coords = self.coordinates(p);
        Self::fold(&self.replicated_axes(), &coords, &self.mesh_shape)
    }

    /// The row-major index of `coords` restricted to `axes`.
    fn fold(axes: &[usize], coords: &[usize], sizes: &[usize]) -> usize {
        axes.iter().fold(0, |i, &a| i * sizes[a] + coords[a])
    }
}

#[cfg(test)]
mod tests {
    use super::MeshSharding;

    #[test]
    fn blocks_follow_the_grid() {
        // A [4, 2] grid; dimension 0 split by axis 0, axis 1 replicates.
        let s = MeshSharding {
            mesh_shape: vec![4, 2],
            dim_axes: vec![vec![0], vec![]],
            devices: (0..8).collect(),
        };
        assert_eq!(s.tiles(), [4, 1]);
        assert_eq!(s.replicated_axes(), [1]);
        assert_eq!(s.block_of(5), [2, 0]);
        assert_eq!(s.replica_of(5), 1);
        // Both axes on dimension 1, minor axis varying fastest.
        let t = MeshSharding {
            dim_axes: vec![vec![], vec![1, 0]],
            ..s
        };
        assert_eq!(t.block_of(5), [0, 6]);
        assert!(!t.is_replicated());
    }
}
