from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("me/insights/", views.me, name="me"),
    path("courses/<slug:slug>/insights/", views.course, name="course"),
    path("courses/<slug:slug>/insights/network.svg", views.map_svg, name="map_svg"),
    path("courses/<slug:slug>/insights/network.graphml", views.download, {"kind": "graphml"}, name="graphml"),
    path("courses/<slug:slug>/insights/network-nodes.csv", views.download, {"kind": "nodes"}, name="nodes_csv"),
    path("courses/<slug:slug>/insights/network-edges.csv", views.download, {"kind": "edges"}, name="edges_csv"),
]
