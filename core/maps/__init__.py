"""Maps: 2-D projection (UMAP/PCA/t-SNE, placing new sounds), clustering, and neighbours."""
